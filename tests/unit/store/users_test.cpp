// Users of the server in the store: argon2id hashes, roles, every change audited
// without the hash; on both backends.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "on_each_backend.hpp"
#include "store/crypto.hpp"
#include "store/registry.hpp"

namespace {

using namespace minemap;

class Users : public testing_store::OnEachBackend {};
MINEMAP_ON_EACH_BACKEND(Users);

TEST_P(Users, AddAuthenticateAndAudit) {
  auto reg = create();
  store::Actor admin{"setup"};
  reg.add_user("amina", "verifier", "correct horse battery", admin);

  auto u = reg.authenticate("amina", "correct horse battery");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->role, "verifier");
  EXPECT_EQ(u->password_hash.rfind("$argon2id$v=19$", 0), 0u) << u->password_hash;
  EXPECT_FALSE(reg.authenticate("amina", "correct horse batterY"));
  EXPECT_FALSE(reg.authenticate("nobody", "correct horse battery"));

  EXPECT_THROW(reg.add_user("amina", "viewer", "another long one", admin), core::Conflict);
  EXPECT_THROW(reg.add_user("bob", "superuser", "another long one", admin), core::InputError);
  EXPECT_THROW(reg.add_user("bob", "viewer", "short", admin), core::InputError);
  EXPECT_THROW(reg.add_user("bob smith", "viewer", "another long one", admin), core::InputError);

  reg.set_user("amina", std::nullopt, std::nullopt, true, "left the programme", admin);
  EXPECT_FALSE(reg.authenticate("amina", "correct horse battery"));
  reg.set_user("amina", std::string("admin"), std::string("a new passphrase"), false, "", admin);
  EXPECT_FALSE(reg.authenticate("amina", "correct horse battery"));
  ASSERT_TRUE(reg.authenticate("amina", "a new passphrase"));
  EXPECT_EQ(reg.user("amina")->role, "admin");

  auto trail = reg.backend().audit("users", "amina");
  ASSERT_EQ(trail.size(), 3u);
  EXPECT_EQ(trail[0].action, "create");
  EXPECT_EQ(trail[0].actor, "setup");
  EXPECT_EQ(trail[1].reason, "left the programme");
  EXPECT_EQ(trail[2].reason, "password changed");
  for (const auto& e : trail) {
    EXPECT_EQ(e.after.find("argon2"), std::string::npos) << e.after;
    EXPECT_EQ(e.before.find("argon2"), std::string::npos) << e.before;
  }
  EXPECT_FALSE(reg.verify_audit());
}

TEST(Crypto, TokensAndHashes) {
  auto a = store::crypto::random_token(32), b = store::crypto::random_token(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(store::crypto::equal_constant_time(a, a));
  EXPECT_FALSE(store::crypto::equal_constant_time(a, b));
  EXPECT_FALSE(store::crypto::equal_constant_time(a, a.substr(1)));
  auto h = store::crypto::hash_password("pass phrase");
  EXPECT_NE(h, store::crypto::hash_password("pass phrase"));  // salted
  EXPECT_TRUE(store::crypto::verify_password(h, "pass phrase"));
  EXPECT_FALSE(store::crypto::verify_password("plain text", "plain text"));
  // BLAKE2b-256 of the empty string (RFC 7693's parameters, digest length 32).
  store::crypto::Blake2b empty;
  EXPECT_EQ(empty.hex(), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

}  // namespace
