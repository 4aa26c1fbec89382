//! Classification of destination addresses for SSRF protection.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` must never be the target of an outbound request made on
/// behalf of a (possibly hostile) user-configured URL.
///
/// Forbidden are all addresses that are not ordinary public unicast:
///
/// * IPv4: `0.0.0.0/8` ("this network", incl. unspecified), `10/8`,
///   `100.64/10` (carrier-grade NAT), `127/8` (loopback), `169.254/16`
///   (link-local, incl. the cloud metadata address `169.254.169.254`),
///   `172.16/12`, `192.0.0/24` (IETF protocol assignments), `192.0.2/24`,
///   `198.51.100/24`, `203.0.113/24` (documentation), `192.168/16`,
///   `198.18/15` (benchmarking), `224/4` (multicast), `240/4` (reserved,
///   incl. broadcast `255.255.255.255`).
/// * IPv6: `::` and `::1`, `fe80::/10` (link-local), `fec0::/10`
///   (deprecated site-local), `fc00::/7` (unique local), `ff00::/8`
///   (multicast), `100::/64` (discard-only), `64:ff9b:1::/48` (local-use
///   NAT64) — in fact everything outside the global unicast block
///   `2000::/3` — and within it `2001:db8::/32` and `3fff::/20`
///   (documentation), `2001::/32` (Teredo), `2001:10::/28` and
///   `2001:20::/28` (ORCHID).
/// * IPv6 addresses that embed an IPv4 address are judged by that IPv4
///   address: IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
///   NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::/48`.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn in_v4_net(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    const NETS: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network", incl. 0.0.0.0
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // carrier-grade NAT
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, incl. 255.255.255.255
    ];
    NETS.iter().any(|&(net, prefix)| in_v4_net(ip, net, prefix))
}

fn in_v6_net(ip: Ipv6Addr, net: u128, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(ip) & mask == net & mask
}

/// The IPv4 address in the low 32 bits of `ip`.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    // Truncation to the low 32 bits is the point.
    Ipv4Addr::from((u128::from(ip) & 0xffff_ffff) as u32)
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);

    // Addresses embedding an IPv4 address: judge the embedded address. This
    // also covers `::` and `::1` (embedded 0.0.0.0 / 0.0.0.1, both in 0/8).
    let compatible = in_v6_net(ip, 0, 96); // ::a.b.c.d (deprecated), ::, ::1
    let mapped = in_v6_net(ip, 0xffff_0000_0000, 96); // ::ffff:a.b.c.d
    let nat64 = in_v6_net(ip, 0x0064_ff9b << 96, 96); // 64:ff9b::a.b.c.d
    if compatible || mapped || nat64 {
        return is_forbidden_v4(low_v4(ip));
    }
    if in_v6_net(ip, 0x2002 << 112, 16) {
        // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD in bits 16..48.
        let embedded = ((bits >> 80) & 0xffff_ffff) as u32;
        return is_forbidden_v4(Ipv4Addr::from(embedded));
    }

    // Only 2000::/3 is allocated for global unicast. Everything outside it
    // that is not handled above (loopback, unique-local, link-local,
    // multicast, discard-only, local-use NAT64, unassigned space) is refused.
    if !in_v6_net(ip, 0x2000 << 112, 3) {
        return true;
    }
    const NETS: &[(u128, u32)] = &[
        (0x2001_0000 << 96, 32), // Teredo
        (0x2001_0010 << 96, 28), // ORCHID
        (0x2001_0020 << 96, 28), // ORCHIDv2
        (0x2001_0db8 << 96, 32), // documentation
        (0x3fff << 112, 20),     // documentation (RFC 9637)
    ];
    NETS.iter().any(|&(net, prefix)| in_v6_net(ip, net, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        let ip: IpAddr = s.parse().unwrap_or_else(|e| panic!("bad test address {s}: {e}"));
        is_forbidden_ip(ip)
    }

    #[test]
    fn forbidden_v4() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "0.255.255.255",
            "10.0.0.0",
            "10.1.2.3",
            "10.255.255.255",
            "100.64.0.0",
            "100.100.100.100",
            "100.127.255.255",
            "127.0.0.1",
            "127.0.0.0",
            "127.1.2.3",
            "127.255.255.255",
            "169.254.0.1",
            "169.254.169.254",
            "169.254.255.255",
            "172.16.0.0",
            "172.20.1.1",
            "172.31.255.255",
            "192.0.0.0",
            "192.0.0.8",
            "192.0.0.255",
            "192.0.2.0",
            "192.0.2.55",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.0",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.200",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "250.1.2.3",
            "255.255.255.255",
        ] {
            assert!(forbidden(s), "{s} should be forbidden");
        }
    }

    #[test]
    fn allowed_v4() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.88.99.1",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
        ] {
            assert!(!forbidden(s), "{s} should be allowed");
        }
    }

    #[test]
    fn forbidden_v6() {
        for s in [
            "::",
            "::1",
            "fe80::1",
            "fe80::1234:5678:9abc:def0",
            "febf:ffff::1",
            "fec0::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "ff02::1",
            "ff05::1:3",
            "ff0e::1",
            "2001:db8::1",
            "2001:db8:ffff:ffff::1",
            "3fff::1",
            "3fff:fff::1",
            "100::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:10::1",
            "2001:20::1",
            "64:ff9b:1::1",
            // Outside 2000::/3 (unassigned).
            "fbff:ffff::1",
            "fe00::1",
            "feff::1",
            "4000::1",
            "1fff:ffff::1",
            "8000::1",
            "64:ff9a::1",
            "::2:1:1",
            // IPv4-mapped
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.1.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::ffff:7f00:1",
            // IPv4-compatible
            "::127.0.0.1",
            "::10.0.0.1",
            "::169.254.169.254",
            // NAT64
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::192.168.0.1",
            // 6to4
            "2002:7f00:0001::1",
            "2002:a9fe:a9fe::",
            "2002:c0a8:0101:1::1",
            "2002:0a00:0001::5",
        ] {
            assert!(forbidden(s), "{s} should be forbidden");
        }
    }

    #[test]
    fn allowed_v6() {
        for s in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001:82a::200e",
            "2000::1",
            "3fff:ffff:ffff::1",
            "2001:db7:ffff::1",
            "2001:db9::1",
            "2001:200::1",
            "2400:cb00::1",
            "3ffe:ffff::1",
            // Embedded public IPv4 addresses are allowed.
            "::ffff:8.8.8.8",
            "::ffff:93.184.216.34",
            "::8.8.8.8",
            "64:ff9b::1.1.1.1",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
            "2002:5db8:d822:1::1",
        ] {
            assert!(!forbidden(s), "{s} should be allowed");
        }
    }

    #[test]
    fn std_agrees_where_it_has_an_opinion() {
        // Cross-check against std's stable predicates on a sweep of
        // addresses: anything std calls loopback/private/link-local/
        // multicast/broadcast/unspecified/documentation must be forbidden.
        for a in (0u32..=255).step_by(3) {
            for b in (0u32..=255).step_by(17) {
                let ip = Ipv4Addr::new(a as u8, b as u8, (a ^ b) as u8, 1);
                let std_says = ip.is_loopback()
                    || ip.is_private()
                    || ip.is_link_local()
                    || ip.is_multicast()
                    || ip.is_broadcast()
                    || ip.is_unspecified()
                    || ip.is_documentation();
                if std_says {
                    assert!(is_forbidden_v4(ip), "{ip}");
                }
                // Mapped form is classified the same as the plain form.
                assert_eq!(is_forbidden_v4(ip), is_forbidden_v6(ip.to_ipv6_mapped()), "{ip}");
            }
        }
    }
}
