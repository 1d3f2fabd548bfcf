// PrometheusText: the text exposition format 0.0.4.
//
// Thread safety: one writer per instance.
#include "safemig/http/prometheus.h"

#include <charconv>
#include <cmath>

#include "safemig/http/utf8.h"

namespace safemig::http {

namespace {

// HELP text escapes backslash and newline.
std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Label values escape backslash, double quote and newline, and are made well-formed UTF-8: a
// value read from the database that is not would make Prometheus refuse the whole scrape.
std::string escape_label_value(std::string_view raw) {
  const std::string text = valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The shortest text that reads back as `value`; "+Inf", "-Inf", "NaN" as Prometheus spells them.
std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";  // Also -0.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_count(std::uint64_t value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// `{a="1",b="2"}` with an optional extra trailing label (the histogram's le); "" when empty.
std::string format_labels(const Labels& labels, std::string_view extra_name = {},
                          std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  const auto add = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += '}';
  return out;
}

std::string sample(std::string_view name, const std::string& labels, const std::string& value) {
  std::string line;
  line.reserve(name.size() + labels.size() + value.size() + 2);
  line += name;
  line += labels;
  line += ' ';
  line += value;
  line += '\n';
  return line;
}

}  // namespace

std::size_t PrometheusText::family(std::string_view name, std::string_view help,
                                   std::string_view type) {
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name == name) return i;
  }
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
  families_.push_back(Family{std::string(name), out_.size()});
  return families_.size() - 1;
}

void PrometheusText::append(std::size_t index, const std::string& lines) {
  out_.insert(families_[index].end, lines);
  for (std::size_t i = index; i < families_.size(); ++i) families_[i].end += lines.size();
}

void PrometheusText::counter(std::string_view name, std::string_view help, const Labels& labels,
                             double value) {
  append(family(name, help, "counter"), sample(name, format_labels(labels), format_value(value)));
}

void PrometheusText::gauge(std::string_view name, std::string_view help, const Labels& labels,
                           double value) {
  append(family(name, help, "gauge"), sample(name, format_labels(labels), format_value(value)));
}

void PrometheusText::histogram(std::string_view name, std::string_view help, const Labels& labels,
                               const std::vector<double>& upper_bounds,
                               const std::vector<std::uint64_t>& bucket_counts, double sum) {
  const std::size_t index = family(name, help, "histogram");
  const std::string bucket_name = std::string(name) + "_bucket";
  std::string lines;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (i < bucket_counts.size()) cumulative += bucket_counts[i];
    lines += sample(bucket_name, format_labels(labels, "le", format_value(upper_bounds[i])),
                    format_count(cumulative));
  }
  for (std::size_t i = upper_bounds.size(); i < bucket_counts.size(); ++i) {
    cumulative += bucket_counts[i];
  }
  const std::string count = format_count(cumulative);
  const std::string plain_labels = format_labels(labels);
  lines += sample(bucket_name, format_labels(labels, "le", "+Inf"), count);
  lines += sample(std::string(name) + "_sum", plain_labels, format_value(sum));
  lines += sample(std::string(name) + "_count", plain_labels, count);
  append(index, lines);
}

}  // namespace safemig::http
