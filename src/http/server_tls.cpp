// TLS connections of the HTTP server (Boost.Beast over Asio's OpenSSL stream): the
// second half of server.cpp, compiled on its own because its template instantiations
// weigh as much as all the rest.
#include <openssl/ssl.h>

#include "http/server_session.hpp"

namespace minemap::http::server_detail {

void start_tls_session(Shared& shared, tcp::socket&& socket, bool refuse) {
  std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared, std::move(socket), refuse)
      ->start();
}

std::unique_ptr<ssl::context> make_tls_context(const std::string& cert, const std::string& key) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) throw core::Error("cannot load the TLS certificate " + cert + ": " + ec.message());
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) throw core::Error("cannot load the TLS key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw core::Error("the TLS key " + key + " does not belong to the certificate " + cert);
  return ctx;
}

}  // namespace minemap::http::server_detail
