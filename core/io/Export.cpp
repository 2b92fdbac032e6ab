#include "Export.h"

#include "AutoClient.h"
#include "StreamInfo.h"
#include "StreamNodeError.h"
#include "StreamPaging.h"
#include "ValueFormat.h"
#include "Wording.h"

#include "RedisConnection.h"

#include <QDateTime>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>

#include <charconv>
#include <cstring>

namespace streamscope {

namespace {

// One CSV cell: quoted when it holds a comma, quote or line break (RFC 4180), or when it is
// an empty value (so it differs from a missing field, written as nothing).
void appendCsv(QByteArray &out, QByteArrayView text, bool quoteEmpty = false) {
    const bool quote = (quoteEmpty && text.isEmpty()) || text.contains(',') || text.contains('"')
                       || text.contains('\n') || text.contains('\r');
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

// Text for a CSV cell that is not a field (stream, group, consumer names): readable, escaped
// when not UTF-8.
QByteArray csvText(QByteArrayView bytes) {
    return valueformat::isUtf8(bytes) ? bytes.toByteArray()
                                      : valueformat::displayText(bytes).toUtf8();
}

QByteArray isoTime(const StreamId &id) {
    return QDateTime::fromMSecsSinceEpoch(qint64(id.ms), Qt::UTC)
        .toString(Qt::ISODateWithMs)
        .toLatin1();
}

// Bytes JSON takes as they are (printable ASCII; '"' and '\\' escaped by a backslash), which
// appendJsonBytes writes as a plain string.
bool plainAscii(QByteArrayView bytes) {
    for (char c : bytes)
        if (uchar(c) < 0x20 || uchar(c) > 0x7e)
            return false;
    return true;
}

char *putQuoted(char *p, QByteArrayView bytes) {
    *p++ = '"';
    for (char c : bytes) {
        if (c == '"' || c == '\\')
            *p++ = '\\';
        *p++ = c;
    }
    *p++ = '"';
    return p;
}

char *putLiteral(char *p, const char *text) {
    const size_t n = std::strlen(text);
    std::memcpy(p, text, n);
    return p + n;
}

// appendEntryJson for the common entry, byte for byte the same, written straight into out: a
// stream name, field names and values all printable ASCII, at most 32 fields and no name twice.
// False (and out untouched) for any other entry: appendEntryJson writes it.
bool appendPlainEntryJson(QByteArray &out, const StreamEntry &e) {
    constexpr qsizetype maxFields = 32;
    if (e.fieldCount() > maxFields || !plainAscii(e.stream))
        return false;
    QByteArrayView names[maxFields];
    qsizetype count = 0;
    qsizetype bound = 64 + 2 * e.stream.size();
    bool plain = true;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (!plain)
            return;
        plain = plainAscii(name) && plainAscii(value);
        for (qsizetype i = 0; plain && i < count; ++i)
            plain = names[i] != name;
        names[count++] = name;
        bound += 2 * (name.size() + value.size()) + 6;
    });
    if (!plain)
        return false;
    const qsizetype at = out.size();
    if (out.capacity() < at + bound)
        out.reserve(qMax(at + bound, 2 * out.capacity()));
    out.resize(at + bound);
    char *p = out.data() + at;
    p = putLiteral(p, "{\"stream\":");
    p = putQuoted(p, e.stream);
    p = putLiteral(p, ",\"id\":\"");
    p = std::to_chars(p, p + 20, e.id.ms).ptr;
    *p++ = '-';
    p = std::to_chars(p, p + 20, e.id.seq).ptr;
    p = putLiteral(p, "\",\"fields\":{");
    bool first = true;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (!first)
            *p++ = ',';
        first = false;
        p = putQuoted(p, name);
        *p++ = ':';
        p = putQuoted(p, value);
    });
    p = putLiteral(p, "}}\n");
    out.resize(p - out.constData());
    return true;
}

} // namespace

void appendEntryJsonFast(QByteArray &out, const StreamEntry &entry) {
    if (!appendPlainEntryJson(out, entry))
        valueformat::appendEntryJson(out, entry);
}

ExportFormat exportFormatFor(const QString &path) {
    return path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) ? ExportFormat::Csv
                                                                     : ExportFormat::JsonLines;
}

bool EntryWriter::flush(QByteArray &chunk) {
    bool ok = m_out->write(chunk) == chunk.size();
    chunk.clear();
    // A file device buffers: flush now, so a full disk or a closed stdout shows on this page,
    // not never.
    if (auto *file = qobject_cast<QFileDevice *>(m_out); ok && file)
        ok = file->flush() && file->error() == QFileDevice::NoError;
    return ok;
}

bool EntryWriter::write(const StreamEntryList &entries) {
    QByteArray chunk;
    if (m_format == ExportFormat::JsonLines) {
        for (const StreamEntry &e : entries)
            appendEntryJsonFast(chunk, e);
        m_written += entries.size();
        return flush(chunk);
    }
    if (!m_headerDone) {
        QSet<QByteArray> seen;
        for (const StreamEntry &e : entries)
            e.forEachField([&](QByteArrayView name, QByteArrayView) {
                // A name that is not UTF-8 cannot be a header cell exactly: other_fields.
                if (valueformat::isUtf8(name) && !seen.contains(name.toByteArray())) {
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
        appendCsv(chunk, csvText(e.stream));
        chunk += ',' + e.id.toByteArray() + ',' + isoTime(e.id);
        QList<QByteArrayView> cells(m_columns.size());
        QList<bool> filled(m_columns.size(), false);
        QList<QPair<QByteArrayView, QByteArrayView>> other;
        QList<QPair<QByteArrayView, QByteArrayView>> all;
        // Import reads the columns, then other_fields: a row keeps its columns only when that
        // gives back the entry's order; otherwise all its fields go to other_fields.
        bool inOrder = true;
        qsizetype lastColumn = -1;
        e.forEachField([&](QByteArrayView name, QByteArrayView value) {
            all.append({name, value});
            const qsizetype column = m_columns.indexOf(name);
            if (column >= 0 && !filled[column] && valueformat::isUtf8(value)) {
                cells[column] = value;
                filled[column] = true;
                inOrder = inOrder && other.isEmpty() && column > lastColumn;
                lastColumn = column;
                return;
            }
            other.append({name, value});
        });
        if (!inOrder) {
            filled.fill(false);
            other = all;
        }
        for (qsizetype i = 0; i < cells.size(); ++i) {
            chunk += ',';
            if (filled[i])
                appendCsv(chunk, cells[i], true);
        }
        chunk += ',';
        if (!other.isEmpty()) {
            QByteArray json;
            valueformat::appendFieldsJson(json, other);
            appendCsv(chunk, json);
        }
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
            appendCsv(chunk, csvText(stream));
            chunk += ',';
            appendCsv(chunk, csvText(group));
            chunk += ',' + p.id.toByteArray() + ',' + isoTime(p.id) + ',';
            appendCsv(chunk, csvText(p.consumer));
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
        return countOf(entries.size(), "entry", "entries");
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

using Failure = ExportOutcome::Failure;

// What the export run failed on, if anything.
struct Problem {
    Failure failure = Failure::None;
    QString message;
};

Problem fromError(const Error &e) {
    return {e.kind == Error::Kind::Server ? Failure::Server : Failure::Connection, e.message};
}

// The stream's figures at one moment (one XINFO STREAM reply, so consistent with each other).
// A stream that does not exist has none: exists is false.
struct Snapshot {
    bool exists = false;
    StreamInfo info;
};

Result<Snapshot> snapshot(RedisClient &c, const QByteArray &stream) {
    auto reply = c.command({"XINFO", "STREAM", stream});
    if (!reply.ok())
        return reply.error();
    if (reply->isError()) {
        if (reply->errorMessage().contains(QLatin1String("no such key")))
            return Snapshot{};
        return Error(Error::Kind::Server, reply->errorMessage());
    }
    auto info = StreamInfo::fromReply(stream, reply.value());
    if (!info)
        return Error(Error::Kind::Protocol, QStringLiteral("unexpected XINFO STREAM reply"));
    return Snapshot{true, *info};
}

// How many entries of the range [from, end] that existed at the start were not written,
// judged from the figures before and after. No entry can join the range while it runs: end
// is at most the last entry at the start, and new IDs are always greater. So the range can
// only lose entries, and written entries all belong to it.
void judgeGaps(const Snapshot &before, const Snapshot &after, const ExportSource &source,
               qint64 written, ExportOutcome &out) {
    const StreamInfo &b = before.info;
    const qint64 atMost = qMax<qint64>(0, b.length - written); // the range held at most b.length
    const bool wholeStream = b.firstEntryId && b.lastEntryId && !(*b.firstEntryId < source.from)
                             && !(source.to < *b.lastEntryId);
    if (wholeStream) { // the range held exactly b.length entries
        out.missing = atMost;
        out.missingExact = true;
        return;
    }
    if (!after.exists) { // deleted while we read: anything unread is gone
        out.missing = atMost;
        out.missingExact = atMost == 0;
        return;
    }
    const StreamInfo &a = after.info;
    if (!b.entriesAdded || !a.entriesAdded) { // before 7.0: no figures to judge by
        out.missing = 0;
        out.missingExact = false;
        return;
    }
    const qint64 removed = (*a.entriesAdded - a.length) - (*b.entriesAdded - b.length);
    // Where removals can have hit the range: XDEL moves max-deleted-entry-id (trimming does
    // not), trimming moves the first entry (every entry before the new first one is gone).
    const bool deletedInRange = a.maxDeletedEntryId && !(*a.maxDeletedEntryId < source.from);
    StreamId startBefore = source.from;
    if (b.firstEntryId && startBefore < *b.firstEntryId)
        startBefore = *b.firstEntryId;
    const bool trimmedInRange = a.firstEntryId ? startBefore < *a.firstEntryId : a.length == 0;
    if (removed <= 0 || (!deletedInRange && !trimmedInRange)) {
        out.missing = 0;
        out.missingExact = true;
        return;
    }
    out.missing = qMin(removed, atMost);
    out.missingExact = out.missing == 0;
}

QString describeGap(const ExportOutcome &out) {
    if (!out.missingExact && out.missing == 0)
        return QStringLiteral("the server (before 7.0) cannot tell whether entries of the range "
                              "were trimmed or deleted while the export ran");
    if (out.missingExact)
        return QStringLiteral("%1 of the range %2 trimmed or deleted while the export ran: only "
                              "%3 of the %4 it held at the start could be read")
            .arg(countOf(out.missing, "entry", "entries"),
                 out.missing == 1 ? QStringLiteral("was") : QStringLiteral("were"),
                 formatCount(out.written), formatCount(out.written + out.missing));
    return QStringLiteral("up to %1 of the range may have been trimmed or deleted while the "
                          "export ran (the server's figures give only this bound); %2 read")
        .arg(countOf(out.missing, "entry", "entries"),
             out.written == 1 ? QStringLiteral("1 entry was")
                              : formatCount(out.written) + QStringLiteral(" were"));
}

Problem writeFailed(const EntryWriter &writer, const QString &name) {
    return {Failure::Output,
            QStringLiteral("cannot write to %1: %2").arg(name, writer.errorString())};
}

// Reads the range page by page and writes it; judges at the end what vanished meanwhile.
Problem exportRange(RedisClient &c, const ExportSource &source, EntryWriter &writer,
                    const ExportOptions &options, const QString &outputName,
                    const std::function<void(qint64, double)> &progress,
                    const std::atomic<bool> &cancel, ExportOutcome &out) {
    auto before = snapshot(c, source.stream);
    if (!before.ok())
        return fromError(before.error());
    if (!before->exists)
        return {}; // nothing in range: an empty file, and it says 0
    // The last entry in range, for the end and the progress fraction.
    StreamId end;
    const StreamInfo &info = before->info;
    if (info.lastEntryId && !(source.to < *info.lastEntryId)) {
        end = *info.lastEntryId;
    } else {
        StreamEntryList last;
        auto r = c.commandEntries({"XREVRANGE", source.stream, source.to.toByteArray(),
                                   source.from.toByteArray(), "COUNT", "1"},
                                  0, &last, -1, source.stream);
        if (!r.ok())
            return fromError(r.error());
        if (r->isError())
            return {Failure::Server, r->errorMessage()};
        if (last.isEmpty())
            return {};
        end = last.first().id;
    }
    if (end < source.from)
        return {}; // the whole stream is before the range
    StreamId next = source.from;
    auto pageFrom = [&](const StreamId &from, int count) {
        return Command{"XRANGE",          source.stream, from.toByteArray(),
                       end.toByteArray(), "COUNT",       QByteArray::number(count)};
    };
    // On one server the next page is asked for as soon as this one is all received (its last
    // ID found without parsing it), so the server reads it while this one is parsed and
    // written. Not with an afterPage hook: that runs before the next page is asked for.
    auto *chosen = dynamic_cast<AutoClient *>(&c);
    RedisConnection *direct = options.afterPage
                                  ? nullptr
                                  : dynamic_cast<RedisConnection *>(chosen ? chosen->chosen() : &c);
    constexpr int maxReconnects = 10; // 16,000 to 1 in quarters is 8
    bool asked = false;               // the page from next is already asked for
    int count = options.pageSize;     // the COUNT of the page asked for next
    // How far pages may grow: no further than the size they were cut to after a page too large.
    int growTo = qMax(options.pageSize, options.maxPageSize);
    while (true) {
        if (cancel) {
            out.cancelled = true;
            return {};
        }
        StreamEntryList page;
        Result<RedisReply> reply = RedisReply();
        int pageCount = count; // the COUNT of this page
        if (direct) {
            if (!asked) {
                if (Error e = direct->sendCommands({pageFrom(next, count)}))
                    return fromError(e);
            }
            asked = false;
            auto scan = direct->peekEntries(0);
            if (!scan.ok()
                && (scan.error().kind == Error::Kind::Io || ReplyParser::isTooLarge(scan.error()))
                && pageCount > 1 && !cancel && out.reconnects < maxReconnects) {
                // The server closes the connection instead of sending a reply bigger than its
                // client-output-buffer-limit (or the reply is past our max-reply). Nothing of
                // the page was written: ask for it again on a new connection, smaller (a grown
                // page at pageSize, then a quarter each time), and grow no more. A server that
                // went away refuses the reconnect.
                growTo = count =
                    pageCount > options.pageSize ? options.pageSize : qMax(1, pageCount / 4);
                out.pageSizeAfterLoss = count;
                direct->close();
                if (Error e = c.open())
                    return fromError(e);
                ++out.reconnects;
                continue;
            }
            if (!scan.ok())
                return fromError(scan.error());
            StreamId last;
            if (scan->entries && scan->runs.size() == 1 && scan->runs.front().entries == count
                && StreamId::parseServer(scan->runs.front().lastId, &last) && last < end) {
                if (scan->bytes * 2 <= options.pageGrowBytes)
                    count = int(qMin<qint64>(growTo, qint64(count) * 2));
                else if (scan->bytes > options.pageGrowBytes)
                    count = qMax(qMin(options.pageSize, growTo), count / 2);
                if (Error e = direct->sendCommands({pageFrom(last.successor(), count)}))
                    return fromError(e);
                asked = true;
                ++out.pagesReadAhead;
            }
            reply = direct->receiveEntries(0, &page, -1, source.stream);
        } else {
            reply = c.commandEntries(pageFrom(next, count), 0, &page, -1, source.stream);
        }
        if (!reply.ok())
            return fromError(reply.error());
        if (reply->isError())
            return {Failure::Server, reply->errorMessage()};
        if (page.isEmpty())
            break;
        if (!writer.write(page))
            return writeFailed(writer, outputName);
        const StreamId at = page.last().id;
        const double span = double(end.ms - source.from.ms);
        progress(writer.written(), span > 0 ? double(at.ms - source.from.ms) / span : 1.0);
        if (options.afterPage)
            options.afterPage(at);
        if (page.size() < pageCount || !(at < end))
            break;
        next = at.successor();
    }
    if (asked) { // cannot be (a full page before the end), but the connection must be clean
        StreamEntryList unused;
        if (auto r = direct->receiveEntries(0, &unused, -1, source.stream); !r.ok())
            return fromError(r.error());
    }
    auto after = snapshot(c, source.stream);
    if (!after.ok())
        return fromError(after.error());
    out.written = writer.written();
    judgeGaps(before.value(), after.value(), source, writer.written(), out);
    if (out.missing == 0 && out.missingExact)
        return {};
    if (options.allowGaps || (out.missing == 0 && !out.missingExact)) {
        out.warning = describeGap(out);
        return {};
    }
    return {Failure::Incomplete, describeGap(out)};
}

// Reads pages from the server and writes them.
Problem exportFromServer(RedisClient &c, const ExportSource &source, EntryWriter &writer,
                         const ExportOptions &options, const QString &outputName,
                         const std::function<void(qint64, double)> &progress,
                         const std::atomic<bool> &cancel, ExportOutcome &out) {
    if (source.kind == ExportSource::Kind::Range)
        return exportRange(c, source, writer, options, outputName, progress, cancel, out);
    // Pending: the summary gives the exact total.
    auto summary = c.command({"XPENDING", source.stream, source.group});
    if (!summary.ok())
        return fromError(summary.error());
    if (summary->isError())
        return {Failure::Server, summary->errorMessage()};
    const qint64 total = summary->size() > 0 ? summary->at(0).integer() : 0;
    QByteArray start = "-";
    while (true) {
        if (cancel) {
            out.cancelled = true;
            return {};
        }
        auto page = fetchPending(c, source.stream, source.group, start, options.pageSize);
        if (!page.ok())
            return fromError(page.error());
        if (page->isEmpty())
            break;
        if (!writer.writePending(source.stream, source.group, page.value()))
            return writeFailed(writer, outputName);
        progress(writer.written(), total > 0 ? double(writer.written()) / double(total) : -1);
        if (page->size() < options.pageSize)
            break;
        start = page->last().id.successor().toByteArray();
    }
    return {};
}

QString nameOf(QIODevice *device, const ExportOptions &options) {
    if (!options.outputName.isEmpty())
        return options.outputName;
    if (auto *file = qobject_cast<QFileDevice *>(device); file && !file->fileName().isEmpty())
        return file->fileName();
    return QStringLiteral("the output");
}

} // namespace

ExportOutcome exportToDevice(const ExportSource &source, QIODevice *device, ExportFormat format,
                             const ConnectionSettings *settings,
                             const std::function<void(qint64, double)> &progress,
                             const std::atomic<bool> &cancel, const ExportOptions &options) {
    ExportOutcome out;
    EntryWriter writer(device, format);
    const QString outputName = nameOf(device, options);
    Problem problem;
    if (source.kind == ExportSource::Kind::Entries) {
        for (qsizetype at = 0; at < source.entries.size(); at += options.pageSize) {
            if (cancel) {
                out.cancelled = true;
                break;
            }
            if (!writer.write(source.entries.mid(at, options.pageSize))) {
                problem = writeFailed(writer, outputName);
                break;
            }
            progress(writer.written(), double(writer.written()) / double(source.entries.size()));
        }
        if (source.entries.isEmpty() && format == ExportFormat::Csv && !writer.write({}))
            problem = writeFailed(writer, outputName); // the header alone
    } else if (!settings) {
        problem = {Failure::Connection, QStringLiteral("not connected")};
    } else {
        AutoClient c(*settings);
        if (Error e = c.open()) {
            problem = fromError(e);
        } else {
            problem =
                exportFromServer(c, source, writer, options, outputName, progress, cancel, out);
            if (problem.failure == Failure::Connection) // on a cluster: which node, what to do
                problem.message =
                    onStreamNode(c, source.stream, Error(Error::Kind::Io, problem.message)).message;
        }
    }
    out.failure = problem.failure;
    out.error = problem.message;
    const bool ok = problem.failure == Failure::None && !out.cancelled;
    out.written = ok || problem.failure == Failure::Incomplete ? writer.written() : 0;
    return out;
}

ExportOutcome exportTo(const ExportSource &source, const QString &path, ExportFormat format,
                       const ConnectionSettings *settings,
                       const std::function<void(qint64, double)> &progress,
                       const std::atomic<bool> &cancel, const ExportOptions &options) {
    auto cannotWrite = [&](const QString &reason) {
        ExportOutcome out;
        out.path = path;
        out.failure = Failure::Output;
        out.error = QStringLiteral("cannot write to %1: %2").arg(path, reason);
        return out;
    };
    ExportOptions named = options;
    if (named.outputName.isEmpty())
        named.outputName = path;
    // A device or a pipe (/dev/full, /dev/stdout, a FIFO) cannot be replaced atomically and
    // need not be: it is written directly.
    const QFileInfo target(path);
    if (target.exists() && !target.isFile() && !target.isDir()) {
        QFile device(path);
        if (!device.open(QIODevice::WriteOnly))
            return cannotWrite(device.errorString());
        ExportOutcome out =
            exportToDevice(source, &device, format, settings, progress, cancel, named);
        out.path = path;
        device.close();
        if (out.failure == Failure::None && device.error() != QFileDevice::NoError) {
            out.written = 0;
            return cannotWrite(device.errorString());
        }
        return out;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return cannotWrite(file.errorString());
    ExportOutcome out = exportToDevice(source, &file, format, settings, progress, cancel, named);
    out.path = path;
    if (!out.error.isEmpty() || out.cancelled) {
        file.cancelWriting(); // the file stays as it was
        out.written = 0;
        return out;
    }
    if (!file.commit()) {
        const ExportOutcome failed = cannotWrite(file.errorString());
        return failed;
    }
    return out;
}

Result<ExportSource> ExportSource::range(const QByteArray &stream, const QString &fromText,
                                         const QString &toText, const QDate &today) {
    ExportSource s;
    s.kind = Kind::Range;
    s.stream = stream;
    // "-" and "+" are XRANGE's (and redis-cli users') start and end of the stream.
    const StreamId start;
    const StreamId end = s.to;
    const auto bound = [&](const QString &text) -> std::optional<StreamId> {
        if (text.trimmed() == QLatin1String("-"))
            return start;
        if (text.trimmed() == QLatin1String("+"))
            return end;
        return std::nullopt;
    };
    if (auto b = bound(fromText))
        s.from = *b;
    else if (!fromText.trimmed().isEmpty()) {
        auto from = parseIdOrTimeSpan(fromText, today);
        if (!from.ok())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("From: %1").arg(from.error().message));
        s.from = from->first;
    }
    if (auto b = bound(toText))
        s.to = *b;
    else if (!toText.trimmed().isEmpty()) {
        auto to = parseIdOrTimeSpan(toText, today);
        if (!to.ok())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("To: %1").arg(to.error().message));
        s.to = to->last; // the whole second (minute, ms) as typed
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
        [this](qint64 written, double fraction) { Q_EMIT progress(written, fraction); }, m_cancel,
        m_options);
    Q_EMIT done(outcome);
    Q_EMIT finished();
}

} // namespace streamscope
