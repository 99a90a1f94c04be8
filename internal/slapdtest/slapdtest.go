// Package slapdtest starts a throw-away OpenLDAP server for tests: slapd on
// 127.0.0.1 and a free port, with its own configuration and database in
// the test's temporary directory (never the system's), loaded from an
// LDIF file with slapadd and killed when the test ends. The suffix is
// dc=example,dc=org; the root DN (cn=admin, password admin-secret) is
// exempt from limits, every other account and anonymous binds are held to
// a size limit of 50 entries per plain search, which paged searches (RFC
// 2696) may read past; cn=limited may read at most 100 entries even paged.
//
// Without slapd a test skips, unless GATEHOUSE_REQUIRE_LDAP=1 (CI), which
// makes that a failure. Debian's slapd and ldap-utils packages provide it.
package slapdtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"
)

// The server's suffix, root account and size limit.
const (
	BaseDN        = "dc=example,dc=org"
	AdminDN       = "cn=admin,dc=example,dc=org"
	AdminPassword = "admin-secret"
	SizeLimit     = 50
)

//go:embed slapd.conf.tmpl
var confTemplate string

//go:embed memberof.schema
var memberOfSchema []byte

const (
	slapdPath   = "/usr/sbin/slapd"
	slapaddPath = "/usr/sbin/slapadd"
)

// Server is an OpenLDAP server a test started, on its own port and
// database, in the test's temporary directory.
type Server struct {
	URL string
	// LDAPS and Roots are set with Options.TLS: the ldaps:// URL (URL then
	// also offers StartTLS) and the pool that trusts the server's
	// self-signed certificate, issued to 127.0.0.1.
	LDAPS string
	Roots *x509.CertPool
	cmd   *exec.Cmd
	log   string // slapd's output, a file
	once  sync.Once
}

// Options say what a server holds and offers.
type Options struct {
	// LDIF is the file loaded into the database (relative to the test's
	// working directory, its package directory).
	LDIF string
	// TLS adds ldaps:// and StartTLS with a self-signed certificate.
	TLS bool
}

// Start starts slapd as opts say and kills it when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	withTLS := opts.TLS
	for _, p := range []string{slapdPath, slapaddPath} {
		if _, err := os.Stat(p); err != nil {
			msg := fmt.Sprintf("ldap: %s not found (apt-get install slapd ldap-utils): %v", p, err)
			if os.Getenv("GATEHOUSE_REQUIRE_LDAP") == "1" {
				t.Fatal(msg + "; GATEHOUSE_REQUIRE_LDAP=1 makes this a failure")
			}
			t.Skip(msg)
		}
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	schema := filepath.Join(dir, "memberof.schema")
	if err := os.WriteFile(schema, memberOfSchema, 0o600); err != nil {
		t.Fatal(err)
	}
	ldif, err := filepath.Abs(opts.LDIF)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"Dir": dir, "Schema": schema}
	var roots *x509.CertPool
	if withTLS {
		vars["Cert"], vars["Key"], roots = selfSignedCert(t, dir)
	}
	conf := filepath.Join(dir, "slapd.conf")
	writeConfig(t, conf, vars)
	if out, err := exec.Command(slapaddPath, "-q", "-f", conf, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	port := freePort(t)
	s := &Server{URL: fmt.Sprintf("ldap://127.0.0.1:%d", port), Roots: roots, log: filepath.Join(dir, "slapd.log")}
	listen := s.URL + "/"
	var tlsPort int
	if withTLS {
		tlsPort = freePort(t)
		s.LDAPS = fmt.Sprintf("ldaps://127.0.0.1:%d", tlsPort)
		listen += " " + s.LDAPS + "/"
	}
	// -d 0 keeps slapd in the foreground, so the test owns the process.
	cmd := exec.Command(slapdPath, "-d", "0", "-h", listen, "-f", conf)
	s.cmd = cmd
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // slapd has its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	t.Cleanup(s.Kill)
	waitListening(t, s, fmt.Sprintf("127.0.0.1:%d", port))
	if withTLS {
		waitListening(t, s, fmt.Sprintf("127.0.0.1:%d", tlsPort))
	}
	return s
}

// Kill stops the server at once, as a crash would; calling it again, from
// any goroutine, does nothing.
func (s *Server) Kill() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	})
}

// Signal sends sig to slapd: SIGSTOP freezes it mid-read, as a hung
// server; SIGCONT lets it go on.
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

func writeConfig(t testing.TB, conf string, vars map[string]any) {
	t.Helper()
	tmpl, err := template.New("slapd.conf").Parse(confTemplate)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tmpl.Execute(f, vars); err != nil {
		t.Fatal(err)
	}
}

// freePort asks the kernel for a port nobody uses. Another process could
// take it before slapd does; waitListening then fails with slapd's log.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t testing.TB, s *Server, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			out, _ := os.ReadFile(s.log)
			t.Fatalf("slapd did not listen on %s: %v\n%s", addr, err, strings.TrimSpace(string(out)))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key into dir
// and returns their paths and a pool that trusts the certificate.
func selfSignedCert(t testing.TB, dir string) (certPath, keyPath string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, block := range map[string]*pem.Block{certPath: {Type: "CERTIFICATE", Bytes: der}, keyPath: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certPath, keyPath, roots
}
