#include "Export.h"

#include "RedisConnection.h"
#include "StreamPaging.h"
#include "ValueFormat.h"

#include <QDateTime>
#include <QSaveFile>
#include <QSet>

namespace streamscope {

namespace {

constexpr int pageSize = 1000;

// One CSV cell: quoted when it holds a comma, quote or line break (RFC 4180).
void appendCsv(QByteArray &out, QByteArrayView bytes) {
    const QByteArray text = valueformat::isUtf8(bytes) && !valueformat::hasControlBytes(bytes)
                                ? bytes.toByteArray()
                                : valueformat::displayText(bytes).toUtf8();
    const bool quote =
        text.contains(',') || text.contains('"') || text.contains('\n') || text.contains('\r');
    if (!quote) {
        out += text;
        return;
    }
    out += '"';
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

QByteArray isoTime(const StreamId &id) {
    return QDateTime::fromMSecsSinceEpoch(qint64(id.ms), Qt::UTC)
        .toString(Qt::ISODateWithMs)
        .toLatin1();
}

} // namespace

ExportFormat exportFormatFor(const QString &path) {
    return path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) ? ExportFormat::Csv
                                                                     : ExportFormat::JsonLines;
}

bool EntryWriter::flush(QByteArray &chunk) {
    const bool ok = m_out->write(chunk) == chunk.size();
    chunk.clear();
    return ok;
}

bool EntryWriter::write(const StreamEntryList &entries) {
    QByteArray chunk;
    if (m_format == ExportFormat::JsonLines) {
        for (const StreamEntry &e : entries)
            valueformat::appendEntryJson(chunk, e);
        m_written += entries.size();
        return flush(chunk);
    }
    if (!m_headerDone) {
        QSet<QByteArray> seen;
        for (const StreamEntry &e : entries)
            e.forEachField([&](QByteArrayView name, QByteArrayView) {
                if (!seen.contains(name.toByteArray())) {
                    seen.insert(name.toByteArray());
                    m_columns.append(name.toByteArray());
                }
            });
        chunk += "stream,id,time";
        for (const QByteArray &c : m_columns) {
            chunk += ',';
            appendCsv(chunk, c);
        }
        chunk += ",other_fields\r\n";
        m_headerDone = true;
    }
    for (const StreamEntry &e : entries) {
        appendCsv(chunk, e.stream);
        chunk += ',' + e.id.toByteArray() + ',' + isoTime(e.id);
        QList<QByteArray> cells(m_columns.size());
        QList<bool> filled(m_columns.size(), false);
        QByteArray other;
        e.forEachField([&](QByteArrayView name, QByteArrayView value) {
            const qsizetype column = m_columns.indexOf(name);
            if (column >= 0 && !filled[column]) {
                cells[column] = value.toByteArray();
                filled[column] = true;
                return;
            }
            other += other.isEmpty() ? "{" : ",";
            valueformat::appendJsonString(other, name);
            other += ':';
            valueformat::appendJsonString(other, value);
        });
        for (const QByteArray &cell : cells) {
            chunk += ',';
            appendCsv(chunk, cell);
        }
        chunk += ',';
        if (!other.isEmpty())
            appendCsv(chunk, other + '}');
        chunk += "\r\n";
    }
    m_written += entries.size();
    return flush(chunk);
}

bool EntryWriter::writePending(const QByteArray &stream, const QByteArray &group,
                               const PendingEntryList &entries) {
    QByteArray chunk;
    if (m_format == ExportFormat::Csv && !m_headerDone) {
        chunk += "stream,group,id,time,consumer,idle_ms,deliveries\r\n";
        m_headerDone = true;
    }
    for (const PendingEntry &p : entries) {
        if (m_format == ExportFormat::JsonLines) {
            chunk += "{\"stream\":";
            valueformat::appendJsonString(chunk, stream);
            chunk += ",\"group\":";
            valueformat::appendJsonString(chunk, group);
            chunk += ",\"id\":\"" + p.id.toByteArray() + "\",\"consumer\":";
            valueformat::appendJsonString(chunk, p.consumer);
            chunk += ",\"idleMs\":" + QByteArray::number(p.idleMs)
                     + ",\"deliveries\":" + QByteArray::number(p.deliveries) + "}\n";
        } else {
            appendCsv(chunk, stream);
            chunk += ',';
            appendCsv(chunk, group);
            chunk += ',' + p.id.toByteArray() + ',' + isoTime(p.id) + ',';
            appendCsv(chunk, p.consumer);
            chunk += ',' + QByteArray::number(p.idleMs) + ',' + QByteArray::number(p.deliveries)
                     + "\r\n";
        }
    }
    m_written += entries.size();
    return flush(chunk);
}

QString ExportSource::describe() const {
    switch (kind) {
    case Kind::Entries:
        return QStringLiteral("%1 entries").arg(entries.size());
    case Kind::Range:
        return QStringLiteral("%1 from %2 to %3")
            .arg(QString::fromUtf8(stream), QString::fromLatin1(from.toByteArray()),
                 to.ms == std::numeric_limits<quint64>::max()
                     ? QStringLiteral("the end")
                     : QString::fromLatin1(to.toByteArray()));
    case Kind::Pending:
        return QStringLiteral("the pending entries of %1 on %2")
            .arg(QString::fromUtf8(group), QString::fromUtf8(stream));
    }
    return {};
}

namespace {

// Reads pages from the server and writes them; returns an error message or empty.
QString exportFromServer(RedisConnection &c, const ExportSource &source, EntryWriter &writer,
                         const std::function<void(qint64, double)> &progress,
                         const std::atomic<bool> &cancel, bool *cancelled) {
    if (source.kind == ExportSource::Kind::Range) {
        // The last entry in range, for the progress fraction (by time).
        StreamEntryList last;
        auto r = c.commandEntries({"XREVRANGE", source.stream, source.to.toByteArray(),
                                   source.from.toByteArray(), "COUNT", "1"},
                                  0, &last, -1, source.stream);
        if (!r.ok())
            return r.error().message;
        if (r->isError())
            return r->errorMessage();
        if (last.isEmpty())
            return {}; // nothing in range: an empty file, and it says 0
        const StreamId end = last.first().id;
        StreamId next = source.from;
        while (true) {
            if (cancel) {
                *cancelled = true;
                return {};
            }
            StreamEntryList page;
            auto reply =
                c.commandEntries({"XRANGE", source.stream, next.toByteArray(), end.toByteArray(),
                                  "COUNT", QByteArray::number(pageSize)},
                                 0, &page, -1, source.stream);
            if (!reply.ok())
                return reply.error().message;
            if (reply->isError())
                return reply->errorMessage();
            if (page.isEmpty())
                break;
            if (!writer.write(page))
                return QStringLiteral("could not write the file (disk full?)");
            const StreamId at = page.last().id;
            const double span = double(end.ms - source.from.ms);
            progress(writer.written(), span > 0 ? double(at.ms - source.from.ms) / span : 1.0);
            if (page.size() < pageSize || !(at < end))
                break;
            next = at.successor();
        }
        return {};
    }
    // Pending: the summary gives the exact total.
    auto summary = c.command({"XPENDING", source.stream, source.group});
    if (!summary.ok())
        return summary.error().message;
    if (summary->isError())
        return summary->errorMessage();
    const qint64 total = summary->size() > 0 ? summary->at(0).integer() : 0;
    QByteArray start = "-";
    while (true) {
        if (cancel) {
            *cancelled = true;
            return {};
        }
        auto page = fetchPending(c, source.stream, source.group, start, pageSize);
        if (!page.ok())
            return page.error().message;
        if (page->isEmpty())
            break;
        if (!writer.writePending(source.stream, source.group, page.value()))
            return QStringLiteral("could not write the file (disk full?)");
        progress(writer.written(), total > 0 ? double(writer.written()) / double(total) : -1);
        if (page->size() < pageSize)
            break;
        start = page->last().id.successor().toByteArray();
    }
    return {};
}

} // namespace

ExportOutcome exportToDevice(const ExportSource &source, QIODevice *device, ExportFormat format,
                             const ConnectionSettings *settings,
                             const std::function<void(qint64, double)> &progress,
                             const std::atomic<bool> &cancel) {
    ExportOutcome out;
    EntryWriter writer(device, format);
    QString error;
    if (source.kind == ExportSource::Kind::Entries) {
        for (qsizetype at = 0; at < source.entries.size() && error.isEmpty(); at += pageSize) {
            if (cancel) {
                out.cancelled = true;
                break;
            }
            if (!writer.write(source.entries.mid(at, pageSize)))
                error = QStringLiteral("could not write the file (disk full?)");
            progress(writer.written(), double(writer.written()) / double(source.entries.size()));
        }
        if (source.entries.isEmpty() && format == ExportFormat::Csv)
            writer.write({}); // the header alone
    } else if (!settings) {
        error = QStringLiteral("not connected");
    } else {
        RedisConnection c(*settings);
        if (Error e = c.open())
            error = e.message;
        else
            error = exportFromServer(c, source, writer, progress, cancel, &out.cancelled);
    }
    out.error = error;
    out.written = error.isEmpty() && !out.cancelled ? writer.written() : 0;
    return out;
}

ExportOutcome exportTo(const ExportSource &source, const QString &path, ExportFormat format,
                       const ConnectionSettings *settings,
                       const std::function<void(qint64, double)> &progress,
                       const std::atomic<bool> &cancel) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        ExportOutcome out;
        out.path = path;
        out.error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return out;
    }
    ExportOutcome out = exportToDevice(source, &file, format, settings, progress, cancel);
    out.path = path;
    if (!out.error.isEmpty() || out.cancelled) {
        file.cancelWriting(); // the file stays as it was
        return out;
    }
    if (!file.commit()) {
        out.written = 0;
        out.error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    }
    return out;
}

Result<ExportSource> ExportSource::range(const QByteArray &stream, const QString &fromText,
                                         const QString &toText, const QDate &today) {
    ExportSource s;
    s.kind = Kind::Range;
    s.stream = stream;
    if (!fromText.trimmed().isEmpty()) {
        auto from = parseIdOrTime(fromText, today);
        if (!from.ok())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("From: %1").arg(from.error().message));
        s.from = from->id;
        if (s.from.seq == std::numeric_limits<quint64>::max())
            s.from.seq = 0; // a moment: from its first entry on
    }
    if (!toText.trimmed().isEmpty()) {
        auto to = parseIdOrTime(toText, today);
        if (!to.ok())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("To: %1").arg(to.error().message));
        s.to = to->id;
    }
    if (s.to < s.from)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("The range ends before it starts: \"to\" must not be "
                                    "earlier than \"from\"."));
    return s;
}

void ExportJob::run() {
    qRegisterMetaType<ExportOutcome>();
    const ExportOutcome outcome = exportTo(
        m_source, m_path, m_format, m_settings ? &*m_settings : nullptr,
        [this](qint64 written, double fraction) { Q_EMIT progress(written, fraction); }, m_cancel);
    Q_EMIT done(outcome);
    Q_EMIT finished();
}

} // namespace streamscope
