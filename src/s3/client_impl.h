// Internals of Client shared by client.cpp (bucket and object operations) and client_multipart.cpp
// (multipart operations): how one S3 call is addressed, hashed, signed, sent and turned into an Error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "s3/client.h"
#include "s3/endpoint.h"
#include "s3/sigv4.h"
#include "s3/transport.h"

namespace dsync::s3 {

using Metadata = std::vector<std::pair<std::string, std::string>>;

struct S3Call {
  std::string_view operation;  // "UploadPart": appears in errors and logs
  std::string_view method;
  const std::string* key = nullptr;  // object key; null for bucket-level calls
  sigv4::Pairs query{};
  sigv4::Pairs headers{};  // beyond Host, x-amz-date, x-amz-content-sha256 and Authorization
  const Body* body = nullptr;
  bool sse_c = false;   // send the SSE-C headers (when the client has a key)
  int part_number = 0;  // for log lines
};

struct S3Reply {
  HttpResponse http;
  Error error;  // ok() when the exchange completed with a 2xx status
  bool ok() const { return error.ok(); }
};

struct Client::Impl {
  Impl(ClientSettings s, std::optional<SseCustomerKey> k);

  // Addresses, hashes, signs and sends one request; never throws.
  S3Reply call(const S3Call& c, const TransferControl& control = {});

  // Error for an S3 call from its reply, with every secret removed from server-provided text.
  Error error_from(const S3Call& c, const HttpResponse& response) const;
  Error local_error(const S3Call& c, std::string_view code, std::string message) const;
  std::string redact(std::string text) const;

  // One ListMultipartUploads listing, all pages, with `prefix` sent to the server as given.
  Result<std::vector<std::pair<std::string, std::string>>> list_upload_pages(const std::string& prefix);

  ClientSettings settings;
  std::optional<SseCustomerKey> sse_key;
  Addressing addressing;
  sigv4::Credentials credentials;
  sigv4::Scope scope;
  Transport transport;
  std::vector<std::string> secrets;  // never to appear in an error or log line
};

// x-amz-meta-* headers for `metadata`; a pair named "content-type" sets Content-Type instead.
void add_metadata_headers(sigv4::Pairs& headers, const Metadata& metadata);

template <typename T>
Result<T> failed(Error e) {
  return Result<T>{std::nullopt, std::move(e)};
}

template <typename T>
Result<T> succeeded(T value) {
  return Result<T>{std::move(value), {}};
}

}  // namespace dsync::s3
