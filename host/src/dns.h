/* DNS wire format for the host's non-blocking resolver: pure functions, no I/O.
 *
 * The event loop (sockets, timeouts, retries) lives elsewhere; this module builds queries,
 * parses answers and turns them into the `records` JSON of the HAL's `dns` event, mirroring
 * hal/node/net-dns.ts and node:dns (c-ares) so firmware sees the same events on both hosts.
 *
 * Suggested flow for net.dnsQuery(name, type), as net-dns.ts does it:
 *   1. qtype = dns_type_from_name(type)       0     -> error "EBADQUERY"
 *   2. dns_normalize_name(name, n, sizeof n)  -1    -> error "EBADNAME"
 *   3. A/AAAA: dns_literal_answer(n, ...)     1     -> done (no query)
 *   4. dns_build_query(..., n, qtype)         -1    -> error "EBADNAME"; else send over UDP
 *      to each server from dns_parse_resolv_conf in turn
 *   5. dns_parse_response on every datagram:  1 -> ignore it, keep waiting; 0/2 -> answer.
 *      ESERVFAIL, EREFUSED, ENOTIMP, EFORMERR and EBADRESP are worth trying the next
 *      server for (c-ares does); no answer in time is the loop's "ETIMEOUT".
 *   6. A/AAAA that ended in an error or no records: dns_hosts_lookup on the hosts file
 *      (net-dns.ts falls back to the OS lookup); when that finds nothing too, report the
 *      resolver's error.
 * Every JSON buffer written here is NUL-terminated and holds either >= 1 record with
 * error NULL, or "[]" with an error code, exactly as the `dns` event wants them.
 * Output pointers (json, error, out, servers) must be valid; error codes are static strings.
 */
#ifndef QUIP_DNS_H
#define QUIP_DNS_H

#include <stddef.h>
#include <stdint.h>

enum { DNS_A = 1, DNS_AAAA = 28, DNS_SRV = 33, DNS_NAPTR = 35 };

/* A buffer this big always holds a built query (12 header + 255 name + 4 question). */
#define DNS_QUERY_MAX 272
/* A buffer this big holds any name dns_normalize_name accepts that DNS can carry. */
#define DNS_NAME_BUF 256

/* "A" / "AAAA" / "SRV" / "NAPTR" (case-sensitive, as net-dns.ts) -> qtype; 0 otherwise (EBADQUERY). */
int dns_type_from_name(const char *name);
/* qtype -> "A" / "AAAA" / "SRV" / "NAPTR"; NULL for anything else. */
const char *dns_type_name(int qtype);

/* net-dns.ts's isValidName + normalizeName: name must be 1..255 characters (UTF-16 units, as
 * JS counts them) with no whitespace (JS \s, incl. Unicode spaces) and no control characters;
 * out gets it lower-cased (ASCII letters only) with one trailing dot removed unless the name
 * is just ".". Returns 0, or -1 when invalid or out (cap bytes) is too small: EBADNAME.
 * The name must not contain NUL: the caller rejects JS strings with embedded NULs. */
int dns_normalize_name(const char *name, char *out, size_t cap);

/* A standard recursive query (RD=1, one question, class IN, no EDNS) for a normalized name.
 * "." is the root. Returns its length, or -1 when the name cannot be encoded (empty label,
 * label over 63 bytes, over 255 bytes on the wire: EBADNAME) or cap < the length.
 * Over TCP, send it after a 2-byte big-endian length. */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, int qtype);

/* Parses one datagram (or TCP message body) as the answer to the query (id, name, qtype).
 * Returns:
 *   1  not an answer to this query (too short for a header, other id, QR=0, opcode != 0,
 *      question count != 1, question missing/malformed or for another name/type/class):
 *      ignore it and keep waiting. json is "" and *error NULL.
 *   0  the answer: json holds >= 1 record and *error is NULL, or json is "[]" and *error is
 *      ENOTFOUND (NXDOMAIN), ENODATA (no record of qtype), ESERVFAIL, EREFUSED, EFORMERR,
 *      ENOTIMP, or EBADRESP (malformed answer section / record data).
 *   2  TC=1 (truncated) and no complete record of qtype in it: json "[]", *error "EBADRESP".
 *      The loop may retry over TCP, or treat it like 0. A truncated response that does hold
 *      complete records of qtype answers with those (0): a partial RRset beats none.
 *  -1  the records do not fit in json (cap bytes); json is "".
 * Records are the answer-section records of qtype and class IN owned by name or by a name it
 * is aliased to through CNAMEs in the answer section (followed in any order, at most 16);
 * others (unrelated names, authority/additional sections) are ignored. Each record's ttl is
 * the smallest of its own and the CNAMEs' on the way (as c-ares does), all 32 bits of it.
 * Unlike node:dns, SRV/NAPTR carry their real TTL (the contract allows 0 for "unknown",
 * which is all node:dns can say). Rcodes beyond 5 are treated like NOERROR, as c-ares does.
 * Names (SRV target, NAPTR replacement) come out in c-ares' presentation form: no trailing
 * dot, root as "", `. ; \ ( ) @ $ "` escaped with '\', other non-printable octets as \DDD.
 * NAPTR flags/service/regexp must be printable ASCII (else EBADRESP, as c-ares). Record data
 * may run on past its fields (ignored, as c-ares); fields that do not fit are EBADRESP.
 * Compression pointers must point backwards and a name may not expand past 255 octets, so
 * loops end in EBADRESP. */
int dns_parse_response(const uint8_t *pkt, size_t len, uint16_t id, const char *name, int qtype,
                       char *json, size_t cap, const char **error);

/* An IP literal asked as A/AAAA is answered without a query, as net-dns.ts does: a name that
 * is an IPv4 or IPv6 literal (node's net.isIP rules, IPv6 optionally in [brackets] and with a
 * %zone) gives 1 with json = the one record (address as written, brackets dropped, ttl 0) and
 * *error NULL when the family matches qtype, or 1 with "[]" and "ENODATA" when it does not.
 * 0 when name is not a literal or qtype is not A/AAAA (json ""); -1 when json does not fit.
 * Pass the normalized name. */
int dns_literal_answer(const char *name, int qtype, char *json, size_t cap, const char **error);

/* Name servers from resolv.conf text: the address of each "nameserver ADDR" line (IPv4 or
 * IPv6, with an optional %zone, copied as written), in order, at most max. Comments (# ;)
 * and other lines are skipped. Returns how many were written to servers. */
int dns_parse_resolv_conf(const char *text, char servers[][64], int max);

/* A/AAAA for name from hosts-file text ("address name alias..." lines, '#' comments),
 * matched case-insensitively, ignoring a trailing dot. Addresses of qtype's family from every
 * matching line, in file order, written in canonical form (as getaddrinfo + inet_ntop would
 * give them, zone dropped), duplicates dropped, ttl 0. "localhost" and "*.localhost" that
 * the file lacks are 127.0.0.1 / ::1 (RFC 6761, as Windows and c-ares do).
 * Returns the number of records written (json "[]" when 0), or -1 when json does not fit. */
int dns_hosts_lookup(const char *hosts_text, const char *name, int qtype, char *json, size_t cap);

#endif
