// How values are shown and written: text, JSON pretty printing, MessagePack as JSON, hex, and
// JSON/redis-cli output for entries (ValueFormat). The first byte sets the cut limits; every
// format gets the whole input.
#include "FuzzSupport.h"
#include "StreamEntry.h"
#include "ValueFormat.h"

#include <QJsonDocument>

using namespace streamscope;
namespace vf = streamscope::valueformat;

namespace {
bool isJson(const QByteArray &text) {
    QJsonParseError error;
    QJsonDocument::fromJson(text, &error);
    return error.error == QJsonParseError::NoError;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const int limit = size > 0 ? data[0] : 0;

    fuzz::consume(QByteArray::number(vf::isUtf8(bytes) + 2 * vf::hasControlBytes(bytes)));
    fuzz::consume(vf::displayText(bytes));
    fuzz::consume(vf::singleLine(bytes));
    fuzz::consume(vf::singleLine(bytes, limit));
    fuzz::consume(vf::hexDump(bytes));
    fuzz::consume(vf::redisCliQuote(bytes));
    if (auto pretty = vf::prettyJson(bytes))
        fuzz::consume(*pretty);
    // Documented: always valid JSON, whatever the bytes.
    QByteArray string;
    vf::appendJsonString(string, bytes);
    FUZZ_CHECK(isJson('[' + string + ']'));
    if (auto json = vf::messagePackJson(bytes))
        FUZZ_CHECK(isJson(json->toUtf8()));
    fuzz::consume(QByteArray::number(int(vf::detectFormat(bytes))));
    for (auto format : {vf::Format::Auto, vf::Format::Text, vf::Format::Json, vf::Format::Hex,
                        vf::Format::MessagePack}) {
        fuzz::consume(vf::formatValue(bytes, format));
        fuzz::consume(vf::formatValue(bytes, format, limit)); // cut anywhere, even mid-character
    }

    // The input's lines as field names and values of an entry.
    const StreamEntry entry =
        StreamEntry::make("s", StreamId{1700000000000, 1}, bytes.split('\n').mid(0, 64));
    QByteArray line;
    vf::appendEntryJson(line, entry);
    FUZZ_CHECK(line.endsWith('\n') && isJson(line));
    fuzz::consume(vf::xaddCommand(entry));
    fuzz::consume(vf::entrySummary(entry, limit));
    return 0;
}
