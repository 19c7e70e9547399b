// A thin RAII layer over the SQLite C API: a connection, prepared statements, transactions. Errors
// become std::runtime_error carrying SQLite's message; the journal decides what they mean.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace dsync::sync::sqlite {

class Database {
 public:
  explicit Database(const std::filesystem::path& file);  // opens read-write, creates if missing
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);  // one or more statements without results
  std::int64_t last_insert_id() const;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters ?1, ?2, ... in order; returns *this so binds chain.
  Statement& bind(std::int64_t v);
  Statement& bind(std::uint64_t v) { return bind(static_cast<std::int64_t>(v)); }
  Statement& bind(int v) { return bind(static_cast<std::int64_t>(v)); }
  Statement& bind(unsigned v) { return bind(static_cast<std::int64_t>(v)); }
  Statement& bind(std::string_view v);
  Statement& bind(const std::string& v) { return bind(std::string_view(v)); }
  Statement& bind(const char* v) { return bind(std::string_view(v)); }
  Statement& bind(std::nullopt_t);
  Statement& bind(std::optional<std::int64_t> v) { return v ? bind(*v) : bind(std::nullopt); }

  bool step();   // true: a row is available; false: done
  void reset();  // ready to run again with new bindings
  void run();    // steps to completion (for statements without results)

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  bool is_null(int col) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  int next_param_ = 1;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back if destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace dsync::sync::sqlite
