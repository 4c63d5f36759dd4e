/**
 * Preloaded (`node --import`) into a README example's process: connections to the host:port pairs
 * in UNITLS_EXAMPLE_ROUTES go to the local server that stands in for them, and listening on a port
 * in UNITLS_EXAMPLE_LISTEN takes an ephemeral port instead. The example's code runs unchanged: it
 * still names example.org:443 as the peer (SNI and verification use that name); only the TCP
 * destination changes. Test-only.
 */
import net from 'node:net';

const routes = JSON.parse(process.env.UNITLS_EXAMPLE_ROUTES ?? '{}');
const listens = new Set(JSON.parse(process.env.UNITLS_EXAMPLE_LISTEN ?? '[]'));

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const [first] = args;
  // net.connect() passes its normalized [options, callback] array (marked by an internal symbol,
  // so it is edited in place); socket.connect() takes options, or port and host.
  const options = Array.isArray(first) ? first[0] : typeof first === 'object' && first !== null ? first : null;
  const host = options ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
  const port = options ? options.port : first;
  const target = routes[`${host ?? 'localhost'}:${Number(port)}`];
  if (target !== undefined) {
    if (options) Object.assign(options, { host: '127.0.0.1', port: target });
    else args.splice(0, 2, target, '127.0.0.1');
  }
  return connect.apply(this, args);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === 'object' && first !== null && listens.has(Number(first.port))) args[0] = { ...first, port: 0 };
  else if (listens.has(Number(first))) args[0] = 0;
  return listen.apply(this, args);
};
