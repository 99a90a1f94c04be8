package ldap

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"

	goldap "github.com/go-ldap/ldap/v3"
)

// connect dials the server, upgrades with StartTLS when asked and binds.
// The connection closes when ctx ends, which fails whatever operation is
// in flight: that is how a cancelled pull stops a page mid-way.
func (s *Source) connect(ctx context.Context) (*goldap.Conn, func(), error) {
	dialer := &net.Dialer{Timeout: s.opts.Timeout}
	conn, err := goldap.DialURL(s.opts.URL, goldap.DialWithDialer(dialer), goldap.DialWithTLSConfig(s.tlsConfig()))
	if err != nil {
		return nil, nil, serverError("connect", err)
	}
	conn.SetTimeout(s.opts.Timeout)
	stopClose := context.AfterFunc(ctx, func() { conn.Close() })
	stop := func() {
		stopClose()
		conn.Close()
	}
	if s.opts.StartTLS {
		if err := conn.StartTLS(s.tlsConfig()); err != nil {
			stop()
			return nil, nil, serverError("StartTLS", err)
		}
	}
	// Without a bind DN the connection stays anonymous, as LDAPv3 allows.
	if s.opts.BindDN != "" {
		if err := conn.Bind(s.opts.BindDN, s.opts.BindPassword); err != nil {
			stop()
			return nil, nil, serverError("bind", err)
		}
	}
	return conn, stop, nil
}

// tlsConfig is Options.TLS (system roots when nil), verifying the URL's
// host unless it names another: go-ldap's StartTLS, unlike its ldaps://
// dial, does not fill in ServerName itself.
func (s *Source) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.opts.TLS != nil {
		cfg = s.opts.TLS.Clone()
	}
	if cfg.ServerName == "" {
		u, _ := url.Parse(s.opts.URL) // withDefaults parsed it already
		cfg.ServerName = u.Hostname()
	}
	return cfg
}
