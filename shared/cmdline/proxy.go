package cmdline

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/alecthomas/kong"
)

// ProxyOptions put lisod behind a load balancer (checkpoint 3).
type ProxyOptions struct {
	ProxyFrom Prefixes `name:"proxy-from" env:"LISOD_PROXY_FROM" placeholder:"CIDR,..." group:"Proxy" help:"Load balancers that send a PROXY protocol header (version 1 or 2) before each connection: addresses or CIDR prefixes, separated by commas. From them the header is required, and names the client in the logs and in CGI's REMOTE_ADDR; from anyone else a header is a bad request. Off by default (docs/production.md)."`
}

// Prefixes are IP prefixes, written "10.0.0.0/8,192.0.2.7"; a bare
// address stands for itself alone (192.0.2.7/32).
type Prefixes []netip.Prefix

// Decode reads one comma-separated list; a flag given twice adds both.
func (p *Prefixes) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("prefixes", &s); err != nil {
		return err
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := parsePrefix(item)
		if err != nil {
			return fmt.Errorf("%q %v", item, err)
		}
		*p = append(*p, prefix)
	}
	return nil
}

// parsePrefix reads "10.0.0.0/8" or a bare "192.0.2.7". A prefix must be
// written with its host bits zero: "10.1.2.3/8" is more likely a typing
// slip than a wish to trust all of 10.0.0.0/8.
func parsePrefix(s string) (netip.Prefix, error) {
	errNot := errors.New("is not an IP address or CIDR prefix (such as 192.0.2.7 or 10.0.0.0/8)")
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errNot
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		return netip.Prefix{}, errNot
	case p != p.Masked():
		return netip.Prefix{}, fmt.Errorf("has address bits past its /%d (did you mean %s?)", p.Bits(), p.Masked())
	}
	return p, nil
}
