// The import readers (Import): a JSON Lines line, CSV records with the export's header and
// rows, and ImportReader over a whole input in both formats. Checks that an entry written in
// the lossless JSON Lines form (valueformat::appendEntryJson) reads back identical, both for
// what parseJsonLine accepted and for fields cut from the raw input (any bytes, repeated names).
#include "FuzzSupport.h"
#include "Import.h"
#include "StreamEntry.h"
#include "ValueFormat.h"

#include <QBuffer>

using namespace streamscope;

namespace {

// Writes the entry as one JSON Lines line and reads it back: same ID, same fields, in order.
void checkRoundTrip(StreamId id, const QList<QByteArray> &fields) {
    QByteArray line;
    valueformat::appendEntryJson(line, StreamEntry::make("s", id, fields));
    FUZZ_CHECK(line.endsWith('\n') && line.count('\n') == 1); // one line, whatever the bytes
    line.chop(1);
    auto back = parseJsonLine(line);
    if (!back.ok())
        std::fprintf(stderr, "%s\n", qPrintable(back.error().message));
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->id && *back->id == id);
    FUZZ_CHECK(back->fields == fields);
}

// Every record of a CSV input: the first as the header, the rest as rows under it.
void readCsv(QByteArrayView bytes) {
    std::optional<CsvHeader> header;
    while (!bytes.isEmpty()) {
        qsizetype consumed = 0;
        auto cells = parseCsvRecord(bytes, true, &consumed);
        if (!cells.ok()) {
            FUZZ_CHECK(!cells.error().message.isEmpty());
            return;
        }
        FUZZ_CHECK(consumed > 0 && consumed <= bytes.size());
        // Not at the end, a record either waits for more bytes or is the same record.
        qsizetype partial = 0;
        auto early = parseCsvRecord(bytes, false, &partial);
        if (early.ok() && partial > 0) {
            FUZZ_CHECK(partial == consumed && early->size() == cells->size());
            for (qsizetype i = 0; i < cells->size(); ++i)
                FUZZ_CHECK(early->at(i).text == cells->at(i).text
                           && early->at(i).quoted == cells->at(i).quoted);
        }
        bytes = bytes.sliced(consumed);
        if (!header) {
            auto h = parseCsvHeader(cells.value());
            if (!h.ok())
                return;
            header = h.value();
            continue;
        }
        auto row = parseCsvRow(*header, cells.value());
        if (row.ok()) {
            FUZZ_CHECK(!row->fields.isEmpty() && row->fields.size() % 2 == 0);
            checkRoundTrip(row->id.value_or(StreamId{1, 0}), row->fields);
        }
    }
}

// A whole input through ImportReader, as `import` reads a file (bounded, in case of a loop).
void readAll(const QByteArray &input, ImportFormat format) {
    QByteArray copy = input;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    ImportReader reader(&buffer, format);
    for (int n = 0; n < 10000; ++n) {
        auto entry = reader.next();
        if (!entry.ok()) {
            FUZZ_CHECK(entry.error().message.startsWith(QLatin1String("line ")));
            return;
        }
        if (!entry.value())
            return;
        FUZZ_CHECK(!entry.value()->fields.isEmpty());
    }
    FUZZ_CHECK(false); // more entries than the input has lines
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    // The input as one JSON Lines line; what it accepts is written and read back.
    auto entry = parseJsonLine(input);
    if (entry.ok()) {
        FUZZ_CHECK(!entry->fields.isEmpty() && entry->fields.size() % 2 == 0);
        checkRoundTrip(entry->id.value_or(StreamId{1, 0}), entry->fields);
    } else {
        FUZZ_CHECK(!entry.error().message.isEmpty());
    }

    // The input's bytes as fields: byte 0 separates them, an odd last name gets an empty value.
    if (size > 1) {
        QList<QByteArray> fields = input.sliced(1).split(char(data[0]));
        if (fields.size() % 2)
            fields.append(QByteArray());
        if (fields.size() <= 256)
            checkRoundTrip(StreamId{quint64(size), quint64(data[0])}, fields);
    }

    readCsv(input);
    readAll(input, ImportFormat::JsonLines);
    readAll(input, ImportFormat::Csv);
    return 0;
}
