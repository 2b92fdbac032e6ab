#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace streamscope {

class StreamEntry;

// How values are shown to people and written to JSON. Redis values are bytes: text that is
// valid UTF-8 is shown as it is; anything else is escaped the way redis-cli does ("\xff"),
// so that nothing is mangled and the same bytes always show the same way.
namespace valueformat {

bool isUtf8(QByteArrayView bytes);
// Control bytes other than tab, newline and carriage return: the mark of binary data.
bool hasControlBytes(QByteArrayView bytes);

// Text for display: UTF-8 as is; anything else (or with control bytes) escaped (\xNN, \\):
// lossless.
QString displayText(QByteArrayView bytes);

// One line: like displayText, but control characters (newlines, tabs) escaped too, cut to
// maxChars with an ellipsis.
QString singleLine(QByteArrayView bytes, int maxChars = 200);

// The value pretty-printed when it is a JSON object or array, otherwise nullopt.
std::optional<QString> prettyJson(QByteArrayView bytes);

// A JSON string literal (with quotes) for the value: UTF-8 kept, other bytes as the escaped
// text of displayText, so output is always valid JSON.
void appendJsonString(QByteArray &out, QByteArrayView bytes);

// {"stream":...,"id":...,"fields":{...}} and a newline: the CLI's jsonl and "Copy as JSON".
void appendEntryJson(QByteArray &out, const StreamEntry &entry);

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
