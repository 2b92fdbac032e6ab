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

// Text for display: UTF-8 as is, other bytes escaped (\xNN, \\, \"): lossless.
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

// "field=value field2=value2", one line, at most maxChars.
QString entrySummary(const StreamEntry &entry, int maxChars = 200);

} // namespace valueformat
} // namespace streamscope
