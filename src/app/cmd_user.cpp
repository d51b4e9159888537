#include "app/cmd_user.hpp"

#include <termios.h>
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/cli_util.hpp"
#include "core/errors.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct UserArgs {
  std::string store, name, role, reason;
  bool json = false, password = false, disable = false, enable = false;
};

// One line of standard input, without echo when it is a terminal.
std::string read_secret(const std::string& prompt) {
  const bool tty = isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << '\n';
  }
  if (!got) throw core::InputError("password", "none given on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password: asked twice on a terminal, read once from a pipe.
std::string new_password() {
  std::string p = read_secret("password (10 characters or more): ");
  if (isatty(STDIN_FILENO) && read_secret("again: ") != p)
    throw core::InputError("password", "the two entries differ");
  return p;
}

int user_add(const UserArgs& a) {
  auto reg = store::Registry::open(a.store, false);
  std::string password = new_password();
  reg.add_user(a.name, a.role, password, current_actor());
  std::cout << a.name << " (" << a.role << ")\n";
  return 0;
}

int user_list(const UserArgs& a) {
  auto reg = store::Registry::open(a.store, false);
  auto users = reg.users();
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : users)
      out.push_back(
          {{"name", u.name}, {"role", u.role}, {"created", u.created}, {"disabled", u.disabled}});
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << std::left << std::setw(24) << "name" << std::setw(12) << "role"
            << "created\n";
  for (const auto& u : users)
    std::cout << std::setw(24) << u.name << std::setw(12) << u.role << u.created
              << (u.disabled ? "  (disabled)" : "") << '\n';
  return 0;
}

int user_set(const UserArgs& a) {
  if (a.disable && a.enable) throw core::InputError("--disable", "and --enable together");
  auto reg = store::Registry::open(a.store, false);
  std::optional<std::string> role, password;
  std::optional<bool> disabled;
  if (!a.role.empty()) role = a.role;
  if (a.password) password = new_password();
  if (a.disable) disabled = true;
  if (a.enable) disabled = false;
  if (!role && !password && !disabled)
    throw core::InputError("user set",
                           "nothing to change (--role, --password, --disable, --enable)");
  reg.set_user(a.name, role, password, disabled, a.reason, current_actor());
  auto u = reg.user(a.name);
  std::cout << u->name << " (" << u->role << (u->disabled ? ", disabled" : "") << ")\n";
  return 0;
}

}  // namespace

void add_user_command(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<UserArgs>();
  auto* cmd = app.add_subcommand("user", "The people who sign in to the server, and their roles");
  cmd->require_subcommand(1);
  cmd->footer(
      "\nRoles: viewer (reads), data_entry (files drafts and submits them), verifier\n"
      "(approves or rejects what was submitted), admin (everything). Every change is in\n"
      "the audit trail (without the password).\n"
      "Examples:\n"
      "  minemap user add field.gpkg amina --role verifier\n"
      "  minemap user list field.gpkg");

  auto* add = cmd->add_subcommand("add", "Add a user; the password is read from standard input");
  add->add_option("STORE", a->store)->required();
  add->add_option("NAME", a->name, "user name (letters, digits, . _ - @)")->required();
  add->add_option("--role", a->role, "viewer | data_entry | verifier | admin")->required();
  add->footer(
      "\nExamples:\n"
      "  minemap user add field.gpkg amina --role verifier      # asks for the password\n"
      "  printf '%s\\n' \"$PASSWORD\" | minemap user add field.gpkg ops1 --role data_entry");
  add->callback([a, &run] { run = [a] { return user_add(*a); }; });

  auto* list = cmd->add_subcommand("list", "List the users and their roles");
  list->add_option("STORE", a->store)->required();
  list->add_flag("--json", a->json, "as JSON");
  list->footer("Example: minemap user list field.gpkg --json");
  list->callback([a, &run] { run = [a] { return user_list(*a); }; });

  auto* set = cmd->add_subcommand("set", "Change a user's role, password or access");
  set->add_option("STORE", a->store)->required();
  set->add_option("NAME", a->name, "the user")->required();
  set->add_option("--role", a->role, "the new role");
  set->add_flag("--password", a->password, "a new password, read from standard input");
  set->add_flag("--disable", a->disable, "refuse their sign-in from now on");
  set->add_flag("--enable", a->enable, "allow it again");
  set->add_option("--reason", a->reason, "why (kept in the audit trail)");
  set->footer(
      "\nExamples:\n"
      "  minemap user set field.gpkg ops1 --role verifier --reason 'trained in May'\n"
      "  minemap user set field.gpkg ops1 --disable --reason 'left the programme'\n"
      "  printf '%s\\n' \"$PASSWORD\" | minemap user set field.gpkg ops1 --password");
  set->callback([a, &run] { run = [a] { return user_set(*a); }; });
}

}  // namespace minemap::app
