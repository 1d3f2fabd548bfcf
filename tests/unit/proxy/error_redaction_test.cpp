// Tests of the redaction of upstream error messages: credentials, key-shaped tokens and text
// taken from the request never survive; the rest of the message does.
#include "safemig/proxy/error_redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/http/utf8.h"

namespace safemig::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::string> kNoCredentials;

TEST(ErrorRedactionTest, MessageWithoutRequestDataIsKeptAsItIs) {
  const std::string message = "The model `gpt-4o-mini-2024-07-18` does not exist";
  EXPECT_EQ(redact_error_text(message, kNoCredentials, R"({"model":"gpt-4o-mini-2024-07-18"})"),
            message);
}

TEST(ErrorRedactionTest, TheAuthorizationValueWholeAndWithoutItsSchemeIsRedacted) {
  http::Request request;
  request.set(http::bhttp::field::authorization, "Bearer my-gateway-token-1");
  const auto credentials = request_credentials(request);
  ASSERT_EQ(credentials.size(), 2u);
  EXPECT_EQ(credentials[1], "my-gateway-token-1");
  const std::string out = redact_error_text(
      "bad token my-gateway-token-1; header was Bearer my-gateway-token-1", credentials, "{}");
  EXPECT_THAT(out, Not(HasSubstr("gateway")));
  EXPECT_THAT(out, Not(HasSubstr("token-1")));
  EXPECT_THAT(out, HasSubstr("bad token"));
  EXPECT_THAT(out, HasSubstr("; header was "));
}

TEST(ErrorRedactionTest, PartOfTheKeyOfEightBytesOrMoreIsRedacted) {
  const std::vector<std::string> credentials{"Zq0-unusual-credential-9"};
  const std::string out =
      redact_error_text("key ending usual-credential-9 refused", credentials, "");
  EXPECT_THAT(out, Not(HasSubstr("credential")));
}

TEST(ErrorRedactionTest, KeyShapedTokensAreRedactedEvenWhenTheRequestHadNone) {
  EXPECT_EQ(redact_error_text("Incorrect API key provided: sk-proj-abc***************xyz9.",
                              kNoCredentials, ""),
            "Incorrect API key provided: [redacted]");
  EXPECT_EQ(redact_error_text("got Authorization: Bearer abc.def", kNoCredentials, ""),
            "got Authorization: Bearer [redacted]");
  EXPECT_EQ(redact_error_text("token a8F3kP0qZ7xW2mN5vB9c rejected", kNoCredentials, ""),
            "token [redacted] rejected");
  // Names with short parts and identifiers without digits stay.
  const std::string names = "model meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo is overloaded";
  EXPECT_EQ(redact_error_text(names, kNoCredentials, ""), names);
}

TEST(ErrorRedactionTest, TextFromTheMessagesPromptAndInputIsRedacted) {
  const std::string body =
      R"({"model":"m","messages":[{"role":"user","content":"my secret diagnosis is flu"}],)"
      R"("prompt":["tell me about Project Bluebird"],"input":[{"content":[{"text":"café au lait order"}]}]})";
  const std::string out = redact_error_text(
      "Rejected: 'my secret diagnosis is flu' / Project Bluebird / café au lait order (role user)",
      kNoCredentials, body);
  EXPECT_THAT(out, Not(HasSubstr("diagnosis")));
  EXPECT_THAT(out, Not(HasSubstr("Bluebird")));
  EXPECT_THAT(out, Not(HasSubstr("lait")));
  EXPECT_THAT(out, HasSubstr("Rejected: '"));
  EXPECT_THAT(out, HasSubstr("(role user)"));
  EXPECT_TRUE(http::is_utf8(out));
}

TEST(ErrorRedactionTest, TextEchoedAsJsonWithItsEscapesIsRedacted) {
  const std::string body = R"({"messages":[{"content":"line one\nline two \"quoted\""}]})";
  const std::string out = redact_error_text(
      R"(bad body {"content":"line one\nline two \"quoted\""})", kNoCredentials, body);
  EXPECT_THAT(out, Not(HasSubstr("line one")));
  EXPECT_THAT(out, Not(HasSubstr("quoted")));
}

TEST(ErrorRedactionTest, ABodyThatIsNotJsonIsMatchedAsRawText) {
  const std::string out = redact_error_text("cannot parse: prompt=hello+confidential",
                                            kNoCredentials, "prompt=hello+confidential");
  EXPECT_THAT(out, Not(HasSubstr("confidential")));
}

TEST(ErrorRedactionTest, TextFromABodyOverOneMebibyteIsRedactedAsRawText) {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":")" +
                           std::string(std::size_t{2} << 20, 'x') + R"( the hidden clause"}]})";
  const std::string out = redact_error_text("rejected: the hidden clause", kNoCredentials, body);
  EXPECT_THAT(out, Not(HasSubstr("hidden")));
  EXPECT_THAT(out, HasSubstr("rejected:"));
}

TEST(ErrorRedactionTest, RedactionNeverSplitsAUtf8Sequence) {
  const std::string body = R"({"messages":[{"content":"ééééééééé"}]})";
  const std::string out = redact_error_text("xé ééééééééé é", kNoCredentials, body);
  EXPECT_TRUE(http::is_utf8(out));
  EXPECT_THAT(out, HasSubstr("[redacted]"));
}

TEST(ErrorRedactionTest, ErrorMessagesModeParsesRedactedAndOffOnly) {
  EXPECT_EQ(parse_error_messages("redacted"), ErrorMessages::redacted);
  EXPECT_EQ(parse_error_messages("off"), ErrorMessages::off);
  const auto bad = parse_error_messages("verbatim");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_input);
  EXPECT_THAT(bad.error().message, HasSubstr("expected redacted or off"));
}

}  // namespace
}  // namespace safemig::proxy
