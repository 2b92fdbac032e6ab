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

// Entries and pending lists to files people and scripts read: JSON Lines (one object a line,
// the CLI's shape) or CSV (RFC 4180; a column per field name, from the first page of entries,
// and an "other_fields" JSON column for names seen later). Bytes that are not UTF-8 are written
// escaped (\xNN), never mangled.
enum class ExportFormat { JsonLines, Csv };
// From a file name: .csv is CSV, anything else JSON Lines.
ExportFormat exportFormatFor(const QString &path);

class EntryWriter {
public:
    EntryWriter(QIODevice *out, ExportFormat format)
        : m_out(out)
        , m_format(format) {}
    // False when the device refused the bytes (disk full...).
    bool write(const StreamEntryList &entries);
    bool writePending(const QByteArray &stream, const QByteArray &group,
                      const PendingEntryList &entries);
    qint64 written() const { return m_written; }

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
    static Result<ExportSource> range(const QByteArray &stream, const QString &from,
                                      const QString &to, const QDate &today);
};

struct ExportOutcome {
    qint64 written = 0;
    QString path;
    QString error; // nothing was written (the file is left as it was)
    bool cancelled = false;
};

// Writes the source to path atomically (QSaveFile): on error or cancel the file is untouched.
// progress(written, fraction 0..1 or -1 when unknown) is called after each page.
ExportOutcome exportTo(const ExportSource &source, const QString &path, ExportFormat format,
                       const ConnectionSettings *settings,
                       const std::function<void(qint64, double)> &progress,
                       const std::atomic<bool> &cancel);

// The same, to an open device (stdout, say): not atomic, the caller owns the device.
ExportOutcome exportToDevice(const ExportSource &source, QIODevice *out, ExportFormat format,
                             const ConnectionSettings *settings,
                             const std::function<void(qint64, double)> &progress,
                             const std::atomic<bool> &cancel);

// Runs exportTo on its own thread and connection.
class ExportJob : public QObject {
    Q_OBJECT
public:
    ExportJob(ExportSource source, QString path, ExportFormat format,
              std::optional<ConnectionSettings> settings)
        : m_source(std::move(source))
        , m_path(std::move(path))
        , m_format(format)
        , m_settings(std::move(settings)) {}
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
    std::atomic<bool> m_cancel{false};
};

class ExportThread : public WorkerThread<ExportJob> {
public:
    ExportThread(ExportSource source, QString path, ExportFormat format,
                 std::optional<ConnectionSettings> settings)
        : WorkerThread(QStringLiteral("streamscope-export"),
                       std::make_unique<ExportJob>(std::move(source), std::move(path), format,
                                                   std::move(settings))) {}
    ExportJob *job() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ExportOutcome)
