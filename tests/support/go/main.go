// Command tlspeer is Go's crypto/tls as a peer of the unitls conformance suite: a TLS stack that
// shares no code with OpenSSL, GnuTLS or tls-pure. Go's standard library only.
//
// tlspeer server -cert C -key K [-cert C2 -key K2 ...]
//
//	Listens on 127.0.0.1, port chosen by the kernel, and prints "LISTENING <port>". For each
//	connection: the handshake, one line read, one line answered:
//	"<version> <suite> resumed=<bool> <the line>", then close_notify. Session tickets are on
//	(crypto/tls's default), so clients may resume. Runs until killed.
//
// tlspeer client -root R
//
//	Reads requests from stdin, one JSON object per line:
//	{"port": N, "serverName": "localhost", "version": "TLSv1.2" | "TLSv1.3", "resume": bool}
//	and connects to 127.0.0.1:port (twice with "resume", the second offering the first session),
//	sends "ping\n", reads the answer line, and prints one JSON result per request:
//	{"ok": true, "version": "...", "suite": "0x1301", "resumed": bool, "reply": "..."}
//	or {"ok": false, "error": "..."}.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

type pairs []string

func (p *pairs) String() string     { return strings.Join(*p, ",") }
func (p *pairs) Set(v string) error { *p = append(*p, v); return nil }

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func roots(path string) *x509.CertPool {
	pem, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail(errors.New("no certificate in " + path))
	}
	return pool
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tlspeer:", err)
	os.Exit(2)
}

func serve(args []string) {
	flags := flag.NewFlagSet("server", flag.ExitOnError)
	var certs, keys pairs
	flags.Var(&certs, "cert", "certificate chain (PEM), repeatable")
	flags.Var(&keys, "key", "private key (PEM), one per -cert")
	flags.Parse(args)
	if len(certs) == 0 || len(certs) != len(keys) {
		fail(errors.New("give -cert and -key in pairs"))
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	for i := range certs {
		pair, err := tls.LoadX509KeyPair(certs[i], keys[i])
		if err != nil {
			fail(err)
		}
		config.Certificates = append(config.Certificates, pair)
	}
	listener, err := tls.Listen("tcp", "127.0.0.1:0", config)
	if err != nil {
		fail(err)
	}
	fmt.Printf("LISTENING %d\n", listener.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail(err)
		}
		go answer(conn.(*tls.Conn))
	}
}

func answer(conn *tls.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := conn.Handshake(); err != nil {
		fmt.Fprintln(os.Stderr, "tlspeer: handshake:", err)
		return
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlspeer: read:", err)
		return
	}
	state := conn.ConnectionState()
	fmt.Fprintf(conn, "%s 0x%04x resumed=%t %s", versionName(state.Version), state.CipherSuite, state.DidResume, line)
	conn.CloseWrite()
}

type request struct {
	Port       int    `json:"port"`
	ServerName string `json:"serverName"`
	Version    string `json:"version"`
	Resume     bool   `json:"resume"`
}

type result struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Version string `json:"version,omitempty"`
	Suite   string `json:"suite,omitempty"`
	Resumed bool   `json:"resumed"`
	Reply   string `json:"reply,omitempty"`
}

func connectOnce(req request, config *tls.Config) result {
	dialer := &net.Dialer{Timeout: 20 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", fmt.Sprintf("127.0.0.1:%d", req.Port), config)
	if err != nil {
		return result{Error: err.Error()}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		return result{Error: err.Error()}
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return result{Error: err.Error()}
	}
	state := conn.ConnectionState()
	return result{OK: true, Version: versionName(state.Version), Suite: fmt.Sprintf("0x%04x", state.CipherSuite), Resumed: state.DidResume, Reply: strings.TrimSuffix(reply, "\n")}
}

func clients(args []string) {
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	root := flags.String("root", "", "trusted root (PEM)")
	flags.Parse(args)
	pool := roots(*root)
	input := bufio.NewScanner(os.Stdin)
	output := json.NewEncoder(os.Stdout)
	for input.Scan() {
		var req request
		if err := json.Unmarshal(input.Bytes(), &req); err != nil {
			output.Encode(result{Error: "bad request: " + err.Error()})
			continue
		}
		version := uint16(tls.VersionTLS13)
		if req.Version == "TLSv1.2" {
			version = tls.VersionTLS12
		}
		config := &tls.Config{RootCAs: pool, ServerName: req.ServerName, MinVersion: version, MaxVersion: version, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		res := connectOnce(req, config)
		if res.OK && req.Resume {
			res = connectOnce(req, config)
		}
		output.Encode(res)
	}
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: tlspeer server|client ..."))
	}
	switch os.Args[1] {
	case "server":
		serve(os.Args[2:])
	case "client":
		clients(os.Args[2:])
	default:
		fail(errors.New("usage: tlspeer server|client ..."))
	}
}
