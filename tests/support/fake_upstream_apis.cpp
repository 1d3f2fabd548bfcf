// The fake upstream's Responses and Embeddings bodies (see fake_upstream_apis.h).
//
// Thread safety: pure functions.
#include "support/fake_upstream_apis.h"

namespace safemig::testing::fake_apis {
namespace json = boost::json;
namespace {

std::size_t words_in(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::size_t words_of(const json::value& v) {
  if (v.is_string()) return words_in(v.get_string());
  std::size_t words = 0;
  if (const auto* array = v.if_array()) {
    for (const json::value& item : *array) words += words_of(item);
  } else if (const auto* object = v.if_object()) {
    for (const char* key : {"content", "text"}) {
      if (const auto* inner = object->if_contains(key)) words += words_of(*inner);
    }
  }
  return words;
}

std::string token_text(int index) { return (index == 0 ? "tok" : " tok") + std::to_string(index); }

std::string all_text(int tokens) {
  std::string text;
  for (int i = 0; i < tokens; ++i) text += token_text(i);
  return text;
}

json::object usage_of(const ResponsesCall& call) {
  return json::object{{"input_tokens", call.input_tokens},
                      {"input_tokens_details", json::object{{"cached_tokens", 0}}},
                      {"output_tokens", call.tokens},
                      {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
                      {"total_tokens", call.input_tokens + static_cast<std::size_t>(call.tokens)}};
}

json::object message_item(const ResponsesCall& call, std::string_view status, bool with_text) {
  json::array content;
  if (with_text) {
    content.push_back(json::object{
        {"type", "output_text"}, {"text", all_text(call.tokens)}, {"annotations", json::array{}}});
  }
  return json::object{{"type", "message"},
                      {"id", "msg_" + call.id},
                      {"status", status},
                      {"role", "assistant"},
                      {"content", std::move(content)}};
}

json::object response_in(const ResponsesCall& call, std::string_view status, bool finished) {
  json::object out{{"id", call.id},       {"object", "response"}, {"created_at", call.created_at},
                   {"status", status},    {"error", nullptr},     {"incomplete_details", nullptr},
                   {"model", call.model}, {"temperature", 1.0},   {"top_p", 1.0}};
  out["output"] = finished ? json::array{message_item(call, "completed", true)} : json::array{};
  out["usage"] = finished ? json::value(usage_of(call)) : json::value(nullptr);
  return out;
}

std::string event(std::string_view type, json::object data, int sequence) {
  data["type"] = type;
  data["sequence_number"] = sequence;
  return "event: " + std::string(type) + "\ndata: " + json::serialize(data) + "\n\n";
}

}  // namespace

std::size_t input_words(const json::object& body) {
  const auto* input = body.if_contains("input");
  return input == nullptr ? 0 : words_of(*input);
}

json::object response_object(const ResponsesCall& call) {
  return response_in(call, "completed", true);
}

std::vector<std::string> response_events(const ResponsesCall& call) {
  std::vector<std::string> out;
  int sequence = 0;
  out.push_back(event("response.created",
                      json::object{{"response", response_in(call, "in_progress", false)}},
                      sequence++));
  out.push_back(
      event("response.output_item.added",
            json::object{{"output_index", 0}, {"item", message_item(call, "in_progress", false)}},
            sequence++));
  for (int i = 0; i < call.tokens; ++i) {
    out.push_back(event("response.output_text.delta",
                        json::object{{"item_id", "msg_" + call.id},
                                     {"output_index", 0},
                                     {"content_index", 0},
                                     {"delta", token_text(i)}},
                        sequence++));
  }
  out.push_back(event("response.output_text.done",
                      json::object{{"item_id", "msg_" + call.id},
                                   {"output_index", 0},
                                   {"content_index", 0},
                                   {"text", all_text(call.tokens)}},
                      sequence++));
  out.push_back(event("response.completed",
                      json::object{{"response", response_in(call, "completed", true)}},
                      sequence++));
  return out;
}

json::object embeddings_list(const json::object& body, const std::string& model) {
  std::vector<const json::value*> inputs;
  const json::value* input = body.if_contains("input");
  if (input != nullptr && input->is_array() && !input->get_array().empty() &&
      !input->get_array().front().is_number()) {
    for (const json::value& item : input->get_array()) inputs.push_back(&item);
  } else if (input != nullptr) {
    inputs.push_back(input);
  }
  json::array data;
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::size_t words =
        inputs[i]->is_array() ? inputs[i]->get_array().size() : words_of(*inputs[i]);
    tokens += words;
    data.push_back(json::object{
        {"object", "embedding"},
        {"index", i},
        {"embedding", json::array{0.0023064255, -0.009327292, static_cast<double>(words)}}});
  }
  return json::object{{"object", "list"},
                      {"data", std::move(data)},
                      {"model", model},
                      {"usage", json::object{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

}  // namespace safemig::testing::fake_apis
