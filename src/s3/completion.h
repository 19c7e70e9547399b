// Completing a multipart upload in a way that can be trusted.
//
// Ceph RGW (seen on 16.2) makes CompleteMultipartUpload ambiguous in three ways: its first successful
// Complete answers 200 with an EMPTY ETag; a second Complete (or one for an upload that is already gone
// because it completed) answers 500 InternalError "This multipart completion is already in progress";
// and it holds a completion lock for up to 10 minutes, so SDK-style blind retries keep meeting that 500.
// MinIO answers a repeated or racing Complete with NoSuchUpload. And any Complete can lose its answer
// to a reset or timeout after the server finished.
//
// So an answer that is not a clear success or a clear, permanent failure is settled by looking at the
// object: HEAD with the key, and judge it by size and by the CRC32C stored in its metadata. Success is
// reported only for an object that is there and right; failure never for one that is.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "s3/client.h"
#include "s3/retry.h"

namespace dsync::s3 {

struct ExpectedObject {
  std::uint64_t size = 0;
  std::string crc32c_base64;  // as stored in x-amz-meta-dsync-crc32c; empty: judge by size alone
};

enum class StoredState {
  matches,    // there, with the expected size (and CRC32C)
  absent,     // 404
  different,  // there, but not this upload's object (size/CRC differ, or not readable with our key)
  unknown,    // HEAD failed otherwise
};

StoredState judge_stored_object(const Result<ObjectInfo>& head, const ExpectedObject& expected);

struct CompletionResult {
  bool ok = false;
  Error error;  // when !ok: the permanent error, NoSuchUpload, or CompletionUnconfirmed
  std::string etag;
  bool confirmed_by_head = false;  // the answer was ambiguous and a HEAD settled it
};

CompletionResult complete_and_confirm(Client& client, const std::string& key, const std::string& upload_id,
                                      const std::vector<CompletedPart>& parts, const ExpectedObject& expected,
                                      Retrier& retrier, const std::stop_token& stop);

}  // namespace dsync::s3
