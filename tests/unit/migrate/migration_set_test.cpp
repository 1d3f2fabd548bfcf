// Tests of MigrationSet: validation, ordering, lookup, expected schemas.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/migrate/step.h"
#include "support/matchers.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::testing::AllOf;
using ::testing::HasSubstr;

MigrationStep step(Version version, std::string name, std::string up = "SELECT 1;") {
  MigrationStep s;
  s.version = version;
  s.name = std::move(name);
  s.up = std::move(up);
  return s;
}

schema::Schema schema_with_table(const std::string& table) {
  return schema::SchemaBuilder()
      .table(table, [](schema::TableBuilder& t) { t.column("id", "INTEGER").primary_key(); })
      .build();
}

TEST(MigrationSetTest, SortsStepsByVersion) {
  auto set = MigrationSet::create({step(3, "c"), step(1, "a"), step(2, "b")}, "dir");
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ(set->steps().size(), 3u);
  EXPECT_EQ(set->steps()[0].name, "a");
  EXPECT_EQ(set->steps()[1].name, "b");
  EXPECT_EQ(set->steps()[2].name, "c");
  EXPECT_EQ(set->latest_version(), 3);
  EXPECT_EQ(set->source(), "dir");
}

TEST(MigrationSetTest, EmptySetHasNoVersion) {
  auto set = MigrationSet::create({});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->latest_version(), kNoVersion);
  EXPECT_EQ(set->find(1), nullptr);
}

// golang-migrate numbers from 0, and timestamps need 64 bits.
TEST(MigrationSetTest, VersionZeroAndTimestampVersionsAreVersions) {
  auto set = MigrationSet::create({step(20240313170000, "late"), step(0, "zero"), step(7, "b")});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->steps().front().version, 0);
  EXPECT_EQ(set->latest_version(), 20240313170000);
  ASSERT_NE(set->find(20240313170000), nullptr);
  EXPECT_EQ(set->find(20240313170000)->name, "late");
}

MigrationStep text_step(const std::string& version_name, std::string name) {
  MigrationStep s = step(*text_order_key(version_name), std::move(name));
  s.version_name = version_name;
  return s;
}

TEST(MigrationSetTest, NumberedVersionsAreShownAndParsedAsNumbers) {
  auto set = MigrationSet::create({step(0, "zero"), step(20240313170000, "late")}, "dir");
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->version_name(20240313170000), "20240313170000");
  EXPECT_EQ(set->version_name(kNoVersion), "none");
  EXPECT_EQ(set->steps()[1].label(), "V20240313170000 late");
  EXPECT_THAT(set->parse_version("20240313170000"), IsOkAndHolds(20240313170000));
  EXPECT_THAT(set->parse_version("0"), IsOkAndHolds(0));
  EXPECT_THAT(set->parse_version("007"), IsOkAndHolds(7));  // A number, found or not.
  EXPECT_THAT(set->parse_version("two"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("'two' is not a version of dir")));
}

TEST(MigrationSetTest, TextVersionsAreShownAndParsedAsTheirText) {
  auto set = MigrationSet::create({text_step("20240314", "b"), text_step("00000000000000", "setup"),
                                   text_step("20240313170000", "a")},
                                  "migrations");
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->steps()[0].name, "setup");
  EXPECT_EQ(set->steps()[2].name, "b");  // "20240314" sorts after "20240313170000" as text.
  EXPECT_EQ(set->version_name(set->latest_version()), "20240314");
  EXPECT_EQ(set->steps()[0].label(), "V00000000000000 setup");
  EXPECT_THAT(set->parse_version("20240314"), IsOkAndHolds(*text_order_key("20240314")));
  EXPECT_THAT(set->parse_version("00000000000000"), IsOkAndHolds(set->steps()[0].version));
  // Only "0" is read as a number (the empty database, for downgrade --to 0).
  EXPECT_THAT(set->parse_version("0"), IsOkAndHolds(0));
  EXPECT_THAT(set->parse_version("20240315"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("'20240315' is not a version")));
  // Backup names carry the digits people see, not the key.
  EXPECT_EQ(set->number_for_names(*text_order_key("20240313170000")), 20240313170000);
  EXPECT_EQ(set->number_for_names(kNoVersion), 0);
}

TEST(MigrationSetTest, ATextVersionMustBeTheKeyOfItsVersion) {
  MigrationStep wrong = step(20240314, "b");
  wrong.version_name = "20240314";
  EXPECT_THAT(MigrationSet::create({wrong}),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("text version '20240314'"), HasSubstr("text_order_key"))));
}

TEST(MigrationSetTest, AcceptsGapsInVersions) {
  auto set = MigrationSet::create({step(1, "a"), step(10, "b")});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->latest_version(), 10);
}

TEST(MigrationSetTest, RejectsDuplicateVersionNamingBoth) {
  EXPECT_THAT(
      MigrationSet::create({step(2, "first"), step(1, "a"), step(2, "second")}),
      ErrorIs(ErrorCode::invalid_input,
              AllOf(HasSubstr("V2 'first'"), HasSubstr("V2 'second'"), HasSubstr("same version"))));
}

TEST(MigrationSetTest, RejectsNegativeVersion) {
  EXPECT_THAT(MigrationSet::create({step(-4, "negative")}),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("V-4 'negative'"), HasSubstr("versions start at 0"))));
}

TEST(MigrationSetTest, RejectsEmptyName) {
  EXPECT_THAT(MigrationSet::create({step(1, "")}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("empty name")));
}

TEST(MigrationSetTest, RejectsMalformedName) {
  EXPECT_THAT(MigrationSet::create({step(1, "has space")}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("malformed name")));
  EXPECT_THAT(MigrationSet::create({step(1, "a/b")}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("malformed name")));
  EXPECT_THAT(MigrationSet::create({step(1, std::string(201, 'a'))}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("at most 200")));
}

TEST(MigrationSetTest, AcceptsFlywayStyleNames) {
  EXPECT_THAT(MigrationSet::create({step(1, "Create-Users.v2_x")}), IsOk());
}

// An empty script is a step that changes nothing, as every migration tool runs it.
TEST(MigrationSetTest, AcceptsEmptySqlBodiesAsNoOps) {
  MigrationStep with_down = step(1, "a", " \n ");
  with_down.down = std::string("");
  EXPECT_THAT(MigrationSet::create({with_down}), IsOk());
}

TEST(MigrationSetTest, RejectsEmptyVerifyQuery) {
  MigrationStep s = step(1, "a");
  s.verify_sql = {"  "};
  EXPECT_THAT(MigrationSet::create({s}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("empty verify query")));
}

TEST(MigrationSetTest, RejectsNullCallable) {
  MigrationStep s = step(1, "a");
  s.up = StepCallable();
  s.definition = "x";
  EXPECT_THAT(MigrationSet::create({s}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("empty up callable")));
}

TEST(MigrationSetTest, RejectsCallableWithoutDefinition) {
  MigrationStep s = step(1, "a");
  s.up = StepCallable([](db::Connection&) -> Result<void> { return {}; });
  EXPECT_THAT(
      MigrationSet::create({s}),
      ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("V1 'a'"), HasSubstr("no definition"))));
  s.definition = "does nothing";
  EXPECT_THAT(MigrationSet::create({s}), IsOk());
}

TEST(MigrationSetTest, FindReturnsTheStepOrNull) {
  auto set = MigrationSet::create({step(1, "a"), step(5, "e")});
  ASSERT_THAT(set, IsOk());
  ASSERT_NE(set->find(5), nullptr);
  EXPECT_EQ(set->find(5)->name, "e");
  EXPECT_EQ(set->find(0), nullptr);
  EXPECT_EQ(set->find(3), nullptr);
  EXPECT_EQ(set->find(6), nullptr);
}

TEST(MigrationSetTest, ExpectedSchemaIsTheOneDeclaredAtExactlyThatVersion) {
  MigrationStep first = step(1, "a");
  first.expected_schema = schema_with_table("t");
  MigrationStep second = step(2, "b");
  MigrationStep third = step(3, "c");
  third.expected_schema = schema_with_table("u");
  auto set = MigrationSet::create({first, second, third});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->expected_schema_at(kNoVersion), schema::Schema{});
  EXPECT_EQ(set->expected_schema_at(0), std::nullopt);
  EXPECT_EQ(set->expected_schema_at(1), schema_with_table("t"));
  EXPECT_EQ(set->expected_schema_at(2), std::nullopt);
  EXPECT_EQ(set->expected_schema_at(3), schema_with_table("u"));
  EXPECT_EQ(set->expected_schema_at(4), std::nullopt);
}

}  // namespace
}  // namespace safemig::migrate
