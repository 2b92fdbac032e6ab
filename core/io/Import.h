#pragma once

#include "AutoClient.h"
#include "Error.h"
#include "StreamId.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QIODevice>
#include <QList>

#include <optional>

namespace streamscope {

// Reading exports back: the lossless JSON Lines form (valueformat::appendEntryJson) and the CSV
// export (Export.h), appended to a stream with XADD in pipelined batches. The whole input is
// checked first, so a malformed line is refused with its line number before anything is sent;
// then it is read a second time and sent, so memory does not grow with the input.

// An entry read from an export, not yet sent.
struct ImportedEntry {
    std::optional<StreamId> id; // the original ID, when the input has one
    // The stream it was read from, when the input names it (JSON Lines "stream"; replay maps
    // it to a target). Import, which appends to one stream, ignores it.
    std::optional<QByteArray> stream;
    QList<QByteArray> fields; // name, value, name, value, ... (at least one pair)
};

// The pure readers, bytes in and an entry (or the reason) out, with no I/O: what the fuzz
// targets call.
// One JSON Lines line (without its line break): {"stream":...,"id":"1-0","fields":{...}|[...]}.
Result<ImportedEntry> parseJsonLine(QByteArrayView line);

// One CSV cell, and whether it was quoted ("" is an empty value; nothing is a missing field).
struct CsvCell {
    QByteArray text;
    bool quoted = false;
};
// Reads one RFC 4180 record from the start of bytes, through its line break (CRLF or LF):
// *consumed is how many bytes it took. When bytes end inside the record and atEnd is false,
// *consumed is 0 and nothing is returned: give it more bytes. At the end, a last record
// without a line break counts.
Result<QList<CsvCell>> parseCsvRecord(QByteArrayView bytes, bool atEnd, qsizetype *consumed);
// The export's header: stream,id,time,FIELD...,other_fields.
struct CsvHeader {
    QList<QByteArray> fieldColumns;
};
Result<CsvHeader> parseCsvHeader(const QList<CsvCell> &cells);
// A row under that header: the field columns in order (an unquoted empty cell is a missing
// field), then other_fields (the lossless JSON fields form).
Result<ImportedEntry> parseCsvRow(const CsvHeader &header, const QList<CsvCell> &cells);

enum class ImportFormat { JsonLines, Csv };

// Entries one by one from a device, with the line each starts on. Blank JSON Lines lines are
// skipped. A record longer than maxRecordBytes is refused rather than read whole.
class ImportReader {
public:
    static constexpr qint64 maxRecordBytes = qint64(1) << 30;
    ImportReader(QIODevice *in, ImportFormat format)
        : m_in(in)
        , m_format(format) {}
    // The next entry, nullopt at the end, or an error that names the line.
    Result<std::optional<ImportedEntry>> next();
    qint64 line() const { return m_recordLine; }
    bool sawCsvHeader() const { return m_header.has_value(); }

private:
    Result<std::optional<QByteArray>> readRecord(); // one line, or one CSV record
    QIODevice *m_in;
    ImportFormat m_format;
    std::optional<CsvHeader> m_header;
    QByteArray m_piece = QByteArray(64 * 1024, Qt::Uninitialized); // readLine's buffer
    qint64 m_nextLine = 1;
    qint64 m_recordLine = 0;
};

struct ImportCheck {
    qint64 entries = 0;
    std::optional<StreamId> firstId;
};
// The first pass: every record read and checked; with keepIds every entry needs an ID, and the
// IDs must increase. The error names the first bad line.
Result<ImportCheck> checkImport(QIODevice *in, ImportFormat format, bool keepIds);

struct ImportOutcome {
    qint64 added = 0; // entries the server accepted (also when it refused a later one)
    Error error;
};
// The second pass: XADD stream (the original ID with keepIds, otherwise *) in pipelined
// batches of batchSize. Stops at the first refusal, saying which line and how many were
// added before it.
ImportOutcome sendImport(RedisClient &connection, const QByteArray &stream, QIODevice *in,
                         ImportFormat format, bool keepIds, int batchSize = 1000);

} // namespace streamscope
