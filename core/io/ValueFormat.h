#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <QList>
#include <QPair>

#include <optional>

namespace streamscope {

class StreamEntry;

// How values are shown to people and written to JSON. Redis values are bytes: text that is
// valid UTF-8 is shown as it is; anything else is escaped the way redis-cli does ("\xff"),
// so that nothing is mangled and the same bytes always show the same way.
namespace valueformat {

bool isUtf8(QByteArrayView bytes);
// The length of the valid UTF-8 sequence starting at at (1 to 4), or 0 when it is not one.
int utf8SequenceLength(const char *at, const char *end);
// Control bytes other than tab, newline and carriage return: the mark of binary data.
bool hasControlBytes(QByteArrayView bytes);

// Text for display: UTF-8 as is; anything else (or with control bytes) escaped (\xNN, \\):
// lossless.
QString displayText(QByteArrayView bytes);

// One line: like displayText, but control characters (newlines, tabs) escaped too, cut to
// maxChars with an ellipsis.
QString singleLine(QByteArrayView bytes, int maxChars = 200);

// A JSON value exactly as written: numbers keep their text (12345678901234567890 is not
// rounded through a double), objects keep their members in order, duplicate names included.
// QJsonDocument does neither, which is why the views do not use it.
struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    QByteArray text;         // Bool: true/false; Number: as written; String: its UTF-8 bytes
    QList<JsonValue> items;  // Array: the items; Object: the member values
    QList<QByteArray> names; // Object: the member names (UTF-8), names[i] names items[i]
};
// One JSON text (RFC 8259, UTF-8), whitespace around it allowed, nothing after it. Nesting is
// bounded (maxJsonDepth) so hostile input cannot exhaust the stack. On failure, *error says
// what and at which byte.
constexpr int maxJsonDepth = 512;
std::optional<JsonValue> parseJson(QByteArrayView text, QString *error = nullptr);
// Writes the value back: compact (indent < 0), or indented by indent levels of 4 spaces, as
// QJsonDocument::Indented writes. Numbers and member order as parsed.
void appendJson(QByteArray &out, const JsonValue &value, int indent = -1);

// The value pretty-printed when it is a JSON object or array, otherwise nullopt. Numbers and
// member order exactly as written.
std::optional<QString> prettyJson(QByteArrayView bytes);

// A JSON string literal (with quotes) for display: UTF-8 kept, other bytes as the escaped
// text of displayText, so output is always valid JSON. Not reversible: bytes go through
// appendJsonBytes.
void appendJsonString(QByteArray &out, QByteArrayView bytes);

// The lossless JSON form of bytes: a JSON string when they are valid UTF-8 (the common case,
// easy for jq), otherwise {"base64":"..."}. Reading it back gives the same bytes.
void appendJsonBytes(QByteArray &out, QByteArrayView bytes);
// The reverse of appendJsonBytes, or nullopt when the value is neither form.
std::optional<QByteArray> jsonBytes(const JsonValue &value);

// One entry in the lossless JSON Lines form, and a newline: the CLI's jsonl, export and
// "Copy as JSON". {"stream":S,"id":"1-0","fields":F} where S and every name and value are
// written by appendJsonBytes, and F is an object {"name":value,...} in the entry's order when
// every name is UTF-8 and none repeats, otherwise an array of [name,value] pairs (so duplicate
// names survive JSON parsers).
void appendEntryJson(QByteArray &out, const StreamEntry &entry);
// The "fields" part of that form alone: an object, or an array of pairs (see above).
void appendFieldsJson(QByteArray &out, const QList<QPair<QByteArrayView, QByteArrayView>> &fields);

// A word redis-cli reads back as these exact bytes: plain when it can be, otherwise quoted
// with \" \\ \n \r \t and \xNN escapes.
QByteArray redisCliQuote(QByteArrayView bytes);
// The XADD command, as redis-cli input, that recreates the entry (same stream, ID and fields).
QByteArray xaddCommand(const StreamEntry &entry);

// A MessagePack value (a map or an array, taking up every byte) as pretty-printed JSON, or
// nullopt. Integers keep every digit; binary and non-UTF-8 strings are escaped as in
// displayText; extension types become {"$ext": type, "data": "..."}.
std::optional<QString> messagePackJson(QByteArrayView bytes);

// How a value is shown in detail. Auto picks JSON when the value parses as a JSON object or
// array, text when it is UTF-8, MessagePack when it decodes as one, hex otherwise.
enum class Format { Auto, Text, Json, Hex, MessagePack };
Format detectFormat(QByteArrayView bytes);
// The value in that format, from at most maxBytes of it (the caller says when it was cut).
QString formatValue(QByteArrayView bytes, Format format, qsizetype maxBytes = 64 * 1024);
// 16 bytes a line: offset, hex, and the printable ASCII ("00000000  48 69  |Hi|").
QString hexDump(QByteArrayView bytes);

// "field=value field2=value2", one line, at most maxChars.
QString entrySummary(const StreamEntry &entry, int maxChars = 200);

} // namespace valueformat
} // namespace streamscope
