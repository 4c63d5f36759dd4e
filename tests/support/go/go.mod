module unitls.test/tlspeer

go 1.19
