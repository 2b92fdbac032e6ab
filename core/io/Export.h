#pragma once

#include "GroupStatus.h"
#include "StreamEntry.h"
#include "WorkerThread.h"

#include <QDate>
#include <QIODevice>
#include <QMetaType>
#include <QObject>

#include <atomic>
#include <functional>

namespace streamscope {

// Entries and pending lists to files people and scripts read, and import reads back: JSON Lines
// in the lossless form of valueformat::appendEntryJson, or CSV (RFC 4180; a column per field
// name, from the first page of entries, and an "other_fields" column holding, in that same
// lossless JSON form, what a column cannot say exactly: names seen later, repeated names,
// names or values that are not UTF-8, and every field of an entry whose order the columns would
// change). In CSV an empty value is written "" (quoted) and a missing field as nothing, so the
// two stay apart.
enum class ExportFormat { JsonLines, Csv };
// From a file name: .csv is CSV, anything else JSON Lines.
ExportFormat exportFormatFor(const QString &path);

class EntryWriter {
public:
    EntryWriter(QIODevice *out, ExportFormat format)
        : m_out(out)
        , m_format(format) {}
    // False when the device refused the bytes (disk full...): see errorString().
    bool write(const StreamEntryList &entries);
    bool writePending(const QByteArray &stream, const QByteArray &group,
                      const PendingEntryList &entries);
    qint64 written() const { return m_written; }
    QString errorString() const { return m_out->errorString(); }

private:
    bool flush(QByteArray &chunk);
    QIODevice *m_out;
    ExportFormat m_format;
    QList<QByteArray> m_columns; // CSV field columns, fixed by the first batch
    bool m_headerDone = false;
    qint64 m_written = 0;
};

// What to export. Entries: given (the browser's loaded or selected ones). Range: a stream
// from an ID to an ID, both inclusive, read forward by ID in pages. Pending: a group's whole
// pending list, by ID in pages.
struct ExportSource {
    enum class Kind { Entries, Range, Pending };
    Kind kind = Kind::Entries;
    StreamEntryList entries;
    QByteArray stream;
    StreamId from;
    StreamId to{std::numeric_limits<quint64>::max(), std::numeric_limits<quint64>::max()};
    QByteArray group;
    QString describe() const;
    // A range of stream from and to as people type them (a moment or an ID; empty: the start or
    // the end), both inclusive; an error says which end is wrong.
    // A moment ends at the precision it was typed: "--to 21:26:51" includes all of 21:26:51.
    static Result<ExportSource> range(const QByteArray &stream, const QString &from,
                                      const QString &to, const QDate &today);
};

struct ExportOptions {
    // Entries of the range that vanished (trimmed or deleted) while the export ran: a warning
    // in ExportOutcome::warning instead of a failure.
    bool allowGaps = false;
    int pageSize = 1000;
    // Pages read ahead on one server grow (doubling) up to this many entries while a page
    // stays under pageGrowBytes / 2 on the wire, and halve (not below pageSize) above it:
    // fewer round trips where entries are small. At most pageSize: no growth.
    // A page that gets the connection closed (client-output-buffer-limit) is asked for again
    // on a new connection: a grown one at pageSize, then a quarter each time; pages grow no
    // more (ExportOutcome::reconnects).
    int maxPageSize = 16000;
    qint64 pageGrowBytes = 2 * 1024 * 1024;
    // What the output is called in messages ("stdout"); default: the file's name.
    QString outputName;
    // Called after each page of a range is written, with the last ID written (tests trim the
    // stream here to make a concurrent trim deterministic).
    std::function<void(const StreamId &)> afterPage;
};

struct ExportOutcome {
    enum class Failure {
        None,
        Output,     // the output refused the bytes (disk full, closed stdout, unwritable path)
        Connection, // could not reach or authenticate to the server
        Server,     // the server refused a command
        Incomplete, // entries of the range vanished while the export ran (see missing)
    };
    qint64 written = 0;
    QString path;
    QString error; // a file is left as it was; stdout may have received part
    Failure failure = Failure::None;
    bool cancelled = false;
    // Entries of the range that vanished (trimmed or deleted) while the export ran: exactly
    // missing when missingExact, otherwise at most missing (the server's figures give only a
    // bound). With allowGaps the export succeeds and warning says so.
    qint64 missing = 0;
    bool missingExact = true;
    QString warning;
    // Pages of a range asked for before the page before them was parsed (read-ahead).
    qint64 pagesReadAhead = 0;
    // Connections reopened because the server closed one under a page (client-output-buffer-
    // limit: see maxPageSize), and the page size used after the last of them.
    int reconnects = 0;
    int pageSizeAfterLoss = 0;
};

// valueformat::appendEntryJson, the same bytes, faster for entries of printable ASCII.
void appendEntryJsonFast(QByteArray &out, const StreamEntry &entry);

// Writes the source to path atomically (QSaveFile): on error or cancel the file is untouched.
// progress(written, fraction 0..1 or -1 when unknown) is called after each page.
// A device or a pipe (/dev/full, a FIFO) is written directly: there is nothing to replace.
ExportOutcome exportTo(const ExportSource &source, const QString &path, ExportFormat format,
                       const ConnectionSettings *settings,
                       const std::function<void(qint64, double)> &progress,
                       const std::atomic<bool> &cancel, const ExportOptions &options = {});

// The same, to an open device (stdout, say): not atomic, the caller owns the device. Every
// page is flushed, so a full disk or a closed stdout is an Output failure at once.
ExportOutcome exportToDevice(const ExportSource &source, QIODevice *out, ExportFormat format,
                             const ConnectionSettings *settings,
                             const std::function<void(qint64, double)> &progress,
                             const std::atomic<bool> &cancel, const ExportOptions &options = {});

// Runs exportTo on its own thread and connection.
class ExportJob : public QObject {
    Q_OBJECT
public:
    ExportJob(ExportSource source, QString path, ExportFormat format,
              std::optional<ConnectionSettings> settings, ExportOptions options = {})
        : m_source(std::move(source))
        , m_path(std::move(path))
        , m_format(format)
        , m_settings(std::move(settings))
        , m_options(std::move(options)) {}
    void requestStop() { m_cancel = true; }
    Q_SLOT void run();

Q_SIGNALS:
    void progress(qint64 written, double fraction);
    void done(const streamscope::ExportOutcome &outcome);
    void finished();

private:
    ExportSource m_source;
    QString m_path;
    ExportFormat m_format;
    std::optional<ConnectionSettings> m_settings;
    ExportOptions m_options;
    std::atomic<bool> m_cancel{false};
};

class ExportThread : public WorkerThread<ExportJob> {
public:
    ExportThread(ExportSource source, QString path, ExportFormat format,
                 std::optional<ConnectionSettings> settings, ExportOptions options = {})
        : WorkerThread(QStringLiteral("streamscope-export"),
                       std::make_unique<ExportJob>(std::move(source), std::move(path), format,
                                                   std::move(settings), std::move(options))) {}
    ExportJob *job() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ExportOutcome)
