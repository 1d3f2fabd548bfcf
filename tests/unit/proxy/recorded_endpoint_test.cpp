// Tests of recorded_endpoint: which requests are recorded, and under which endpoint name.
#include "safemig/proxy/recorded_endpoint.h"

#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

namespace bhttp = http::bhttp;

std::optional<Endpoint> of(bhttp::verb method, const char* target) {
  return recorded_endpoint(http::Request{method, target, 11});
}

TEST(RecordedEndpointTest, RecordsTheFourApisByPathIgnoringTheQuery) {
  EXPECT_EQ(of(bhttp::verb::post, "/v1/chat/completions"), Endpoint::chat_completions);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/completions?x=1"), Endpoint::completions);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/responses"), Endpoint::responses);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/embeddings?api-version=2"), Endpoint::embeddings);
}

TEST(RecordedEndpointTest, ForwardsEverythingElseWithoutARecord) {
  EXPECT_EQ(of(bhttp::verb::get, "/v1/responses"), std::nullopt);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/responses/resp_1/cancel"), std::nullopt);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/models"), std::nullopt);
  EXPECT_EQ(of(bhttp::verb::post, "/v1/embeddings/"), std::nullopt);
}

TEST(RecordedEndpointTest, NamesEachApiByItsPathBelowV1) {
  EXPECT_EQ(endpoint_name(Endpoint::chat_completions), "chat/completions");
  EXPECT_EQ(endpoint_name(Endpoint::completions), "completions");
  EXPECT_EQ(endpoint_name(Endpoint::responses), "responses");
  EXPECT_EQ(endpoint_name(Endpoint::embeddings), "embeddings");
  EXPECT_TRUE(usage_needs_stream_options(Endpoint::chat_completions));
  EXPECT_TRUE(usage_needs_stream_options(Endpoint::completions));
  EXPECT_FALSE(usage_needs_stream_options(Endpoint::responses));
  EXPECT_FALSE(usage_needs_stream_options(Endpoint::embeddings));
}

}  // namespace
}  // namespace safemig::proxy
