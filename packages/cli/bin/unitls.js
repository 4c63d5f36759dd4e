#!/usr/bin/env node
// The `unitls` command; committed executable so `npx unitls` works in the monorepo before any install step.
import "../dist/bin.js";
