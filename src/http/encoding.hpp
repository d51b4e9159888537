// Content negotiation and validators of responses (docs/api.md, "Compression and
// caching"): whether a request accepts gzip (Accept-Encoding, RFC 9110 12.5.3), whether
// an entity tag is among those of If-None-Match (RFC 9110 13.1.2, weak comparison), and
// the one step that compresses every eligible response before it is sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace minemap::http {

// Whether an Accept-Encoding value accepts gzip: `gzip` (or `x-gzip`) with a weight
// above 0, or else `*` with a weight above 0. `gzip;q=0` refuses it whatever `*` says;
// an empty value or one that names neither accepts only the identity. A weight that is
// not a valid q-value (0 to 1, at most three decimals) counts as 0.
bool accepts_gzip(std::string_view accept_encoding);

// Whether `etag` (as sent in an ETag header, strong or W/ weak) matches an If-None-Match
// value: `*`, or a comma-separated list of entity tags, compared weakly (W/ ignored on
// both sides). Malformed members match nothing.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// Every value of a header (names compare without case) joined by ", ", as a list header
// sent on several lines means the same as one line.
std::string header_list(const Request& r, const std::string& name);

// JSON bodies from this size on are compressed; a vector tile with any content is.
inline constexpr std::size_t kCompressFrom = 1024;

// Compresses `out` with gzip when the request accepts it and the response is eligible:
// status 200-299 other than 204 and 206, no Content-Encoding yet, and a vector tile
// (application/vnd.mapbox-vector-tile) with a body, or JSON (application/json,
// application/geo+json, application/problem+json, any +json) of kCompressFrom bytes or
// more. An eligible response also gets `Vary: Accept-Encoding`, compressed or not, so
// that caches keep the two forms apart.
void negotiate_encoding(const Request& r, Response& out);

}  // namespace minemap::http
