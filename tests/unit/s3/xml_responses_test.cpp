// Parsing S3's XML answers, including the shapes Ceph RGW and MinIO really send.
#include <gtest/gtest.h>

#include "s3/xml_responses.h"

namespace dsync::s3::xml {
namespace {

TEST(XmlResponses, ErrorDocumentGivesCodeMessageAndRequestId) {
  auto e = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>)"
                       R"(<Message>This multipart completion is already in progress</Message>)"
                       R"(<BucketName>dsync-test</BucketName><RequestId>tx000abc</RequestId></Error>)");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InternalError");
  EXPECT_EQ(e->message, "This multipart completion is already in progress");
  EXPECT_EQ(e->request_id, "tx000abc");
  EXPECT_FALSE(parse_error("<ListBucketResult/>"));
  EXPECT_FALSE(parse_error("not xml <"));
  EXPECT_FALSE(parse_error(""));
}

TEST(XmlResponses, UploadIdFromInitiateResult) {
  EXPECT_EQ(
      parse_upload_id(
          R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
          R"(<Bucket>b</Bucket><Key>k</Key><UploadId>2~xyz</UploadId></InitiateMultipartUploadResult>)"),
      "2~xyz");
  EXPECT_FALSE(parse_upload_id("<InitiateMultipartUploadResult><UploadId/></InitiateMultipartUploadResult>"));
}

TEST(XmlResponses, CompleteResultWithRgwsEmptyETagAndAwsErrorInsideA200) {
  auto rgw = parse_complete(
      "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>"
      "<ETag></ETag></CompleteMultipartUploadResult>");
  ASSERT_TRUE(rgw);
  EXPECT_FALSE(rgw->error);
  EXPECT_EQ(rgw->etag, "");
  auto aws = parse_complete("<Error><Code>InternalError</Code><Message>m</Message></Error>");
  ASSERT_TRUE(aws);
  ASSERT_TRUE(aws->error);
  EXPECT_EQ(aws->error->code, "InternalError");
  auto normal = parse_complete(
      "<CompleteMultipartUploadResult><ETag>&quot;abc-2&quot;</ETag>"
      "</CompleteMultipartUploadResult>");
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->etag, "\"abc-2\"");
  EXPECT_FALSE(parse_complete("<Other/>"));
}

TEST(XmlResponses, ListPartsPageWithMarker) {
  auto page = parse_list_parts(
      "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>"
      "<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag><Size>5242880</Size></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag><Size>10</Size></Part></ListPartsResult>");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].number, 1);
  EXPECT_EQ(page->items[0].size, 5242880u);
  EXPECT_EQ(page->items[1].etag, "\"e2\"");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, "2");
  EXPECT_FALSE(
      parse_list_parts("<ListPartsResult><Part><PartNumber>x</PartNumber><Size>1</Size></Part>"
                       "</ListPartsResult>"));
}

TEST(XmlResponses, ListObjectsV2PageWithContinuationToken) {
  auto page = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>"
      "<Contents><Key>a &amp; b</Key><Size>3</Size><LastModified>2026-01-01T00:00:00Z</LastModified>"
      "<ETag>\"x\"</ETag></Contents></ListBucketResult>");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].key, "a & b");
  EXPECT_EQ(page->items[0].size, 3u);
  EXPECT_EQ(page->next_marker, "tok");
  auto last = parse_list_objects_v2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->truncated);
  EXPECT_TRUE(last->items.empty());
}

TEST(XmlResponses, ListMultipartUploadsPage) {
  auto page = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
      "<Upload><Key>k1</Key><UploadId>u1</UploadId></Upload><Upload><Key>k2</Key><UploadId>u2</UploadId></"
      "Upload>"
      "</ListMultipartUploadsResult>");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1], (std::pair<std::string, std::string>{"k2", "u2"}));
}

TEST(XmlResponses, CompleteBodyListsPartsAndEscapesETags) {
  std::string body = complete_multipart_body({{1, "\"a&b\"", 5}, {2, "\"c\"", 1}});
  EXPECT_NE(body.find("<Part><PartNumber>1</PartNumber><ETag>&quot;a&amp;b&quot;</ETag></Part>"),
            std::string::npos);
  EXPECT_NE(body.find("<Part><PartNumber>2</PartNumber>"), std::string::npos);
  EXPECT_EQ(body.rfind("<CompleteMultipartUpload", 0), 0u);
}

}  // namespace
}  // namespace dsync::s3::xml
