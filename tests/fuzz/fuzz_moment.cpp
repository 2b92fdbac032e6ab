// The browser's "go to" box: a moment ("2026-11-25 14:05:30.123", "14:05") or an entry ID, as
// people type them (StreamPaging's parseIdOrTime).
#include "FuzzSupport.h"
#include "StreamPaging.h"

using namespace streamscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    auto start = parseIdOrTime(text, QDate(2026, 11, 25));
    if (!start.ok()) {
        FUZZ_CHECK(!start.error().message.isEmpty());
        return 0;
    }
    fuzz::consume(start->id.toByteArray());
    fuzz::consume(start->id.predecessor().toByteArray());
    fuzz::consume(start->id.timestamp().toString(Qt::ISODateWithMs));
    return 0;
}
