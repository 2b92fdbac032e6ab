#include "Replay.h"

#include "Import.h"
#include "Permissions.h"
#include "StreamPaging.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QFile>
#include <QHash>
#include <QSet>

#include <chrono>
#include <cmath>
#include <thread>
#include <time.h>

namespace streamscope {

namespace {

Error invalid(const QString &message) {
    return Error(Error::Kind::InvalidArgument, message);
}

QString nameText(const QByteArray &stream) {
    if (stream.isEmpty())
        return QStringLiteral("(no stream)");
    return valueformat::isUtf8(stream) ? QString::fromUtf8(stream)
                                       : valueformat::displayText(stream);
}

QString timeOf(const StreamId &id) {
    return id.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

void sleepNs(qint64 ns) {
    if (ns > 0)
        std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
}

constexpr qint64 msNs = 1000000;

} // namespace

QByteArray ReplayOptions::targetOf(const QByteArray &stream) const {
    if (!to.isEmpty())
        return to;
    for (const auto &m : map)
        if (m.first == stream)
            return m.second;
    return stream;
}

Result<double> parseReplaySpeed(const QString &text) {
    QString t = text.trimmed().toLower();
    if (t == QLatin1String("max"))
        return 0.0;
    if (t.endsWith(QLatin1Char('x')))
        t.chop(1);
    bool ok = false;
    const double factor = t.toDouble(&ok);
    if (!ok || !std::isfinite(factor) || factor <= 0 || factor > 1e6)
        return invalid(QStringLiteral("--speed: \"%1\" is neither a positive factor (1x, 10x, "
                                      "2.5x) nor max")
                           .arg(text));
    return factor;
}

QString describeSpeed(double speed) {
    if (speed <= 0)
        return QStringLiteral("max");
    return QString::number(speed, 'g', 6) + QLatin1Char('x');
}

Result<StreamId> parseReplaySince(const QString &text, const QDate &today) {
    auto span = parseIdOrTimeSpan(text, today);
    if (!span.ok())
        return invalid(QStringLiteral("--since: %1").arg(span.error().message));
    return span->first;
}

Result<StreamId> parseReplayUntil(const QString &text, const QDate &today) {
    auto span = parseIdOrTimeSpan(text, today);
    if (!span.ok())
        return invalid(QStringLiteral("--until: %1").arg(span.error().message));
    return span->last; // the whole second (minute, ms) as typed
}

Result<QPair<QByteArray, QByteArray>> parseReplayMapping(const QString &text) {
    const qsizetype eq = text.lastIndexOf(QLatin1Char('='));
    if (eq <= 0 || eq == text.size() - 1)
        return invalid(QStringLiteral("--map: \"%1\" is not FROM=TO").arg(text));
    return qMakePair(text.left(eq).toUtf8(), text.mid(eq + 1).toUtf8());
}

qint64 CaptureSummary::durationMsAt(double speed) const {
    if (speed <= 0 || !firstId || !latestId || latestId->ms < firstId->ms)
        return 0;
    return qint64(std::llround(double(latestId->ms - firstId->ms) / speed));
}

const CaptureStream *CaptureSummary::stream(const QByteArray &name) const {
    for (const CaptureStream &s : streams)
        if (s.name == name)
            return &s;
    return nullptr;
}

QString CaptureSummary::describe() const {
    QString text = QStringLiteral("%1 in %2")
                       .arg(countOf(entries, "entry", "entries"),
                            countOf(streams.size(), "stream", "streams"));
    if (selected != entries)
        text += QStringLiteral(", %1 within --since/--until").arg(formatCount(selected));
    if (earliestId && latestId)
        text += QStringLiteral(", over %1 (%2 to %3)")
                    .arg(formatDuration(spanMs()), timeOf(*earliestId), timeOf(*latestId));
    return text;
}

Result<CaptureSummary> checkCapture(QIODevice *in, const ReplayOptions &options) {
    ImportReader reader(in, ImportFormat::JsonLines);
    CaptureSummary s;
    QHash<QByteArray, qsizetype> index;
    std::optional<quint64> latestMs;
    while (true) {
        auto entry = reader.next();
        if (!entry.ok())
            return entry.error(); // names the line
        if (!entry.value())
            break;
        const ImportedEntry &e = *entry.value();
        if (!e.stream && options.to.isEmpty())
            return invalid(QStringLiteral("line %1: no \"stream\": say where its entries go with "
                                          "--to STREAM")
                               .arg(reader.line()));
        if (!e.id)
            return invalid(QStringLiteral("line %1: no \"id\": replay paces and selects entries "
                                          "by their original IDs")
                               .arg(reader.line()));
        const QByteArray name = e.stream.value_or(QByteArray());
        auto at = index.constFind(name);
        if (at == index.constEnd()) {
            at = index.insert(name, s.streams.size());
            CaptureStream added;
            added.name = name;
            s.streams.append(added);
        }
        CaptureStream &stream = s.streams[*at];
        ++stream.entries;
        ++s.entries;
        const StreamId &id = *e.id;
        if ((options.since && id < *options.since) || (options.until && *options.until < id))
            continue;
        ++stream.selected;
        ++s.selected;
        if (!stream.first)
            stream.first = id;
        stream.last = id;
        if (!s.firstId)
            s.firstId = id;
        if (!s.earliestId || id < *s.earliestId)
            s.earliestId = id;
        if (!s.latestId || *s.latestId < id)
            s.latestId = id;
        if (latestMs && id.ms < *latestMs)
            ++s.outOfOrder;
        latestMs = qMax(latestMs.value_or(0), id.ms);
    }
    if (s.entries == 0)
        return invalid(QStringLiteral("the capture holds no entries"));
    for (const auto &m : options.map)
        if (!index.contains(m.first)) {
            QStringList names;
            for (const CaptureStream &cs : s.streams)
                names << nameText(cs.name);
            return invalid(
                QStringLiteral("--map %1=%2: the capture holds no entries of %1 (its "
                               "streams: %3)")
                    .arg(nameText(m.first), nameText(m.second), names.join(QStringLiteral(", "))));
        }
    return s;
}

Result<QList<ReplayTarget>> checkReplayTargets(RedisClient &connection,
                                               const CaptureSummary &capture,
                                               const ReplayOptions &options) {
    QList<ReplayTarget> targets;
    QSet<QByteArray> seen;
    for (const CaptureStream &s : capture.streams) {
        const QByteArray target = options.targetOf(s.name);
        if (s.selected == 0 || seen.contains(target))
            continue;
        seen.insert(target);
        ReplayTarget added;
        added.stream = target;
        targets.append(added);
    }
    if (targets.isEmpty())
        return targets;
    // What the replay sends, asked of the ACL first (at most 100 targets): a user that may not
    // is told what to add before anything is sent, not at the first entry.
    QList<Command> asks;
    for (qsizetype i = 0; i < qMin<qsizetype>(targets.size(), 100); ++i)
        asks << Command{"TYPE", targets.at(i).stream} << Command{"XLEN", targets.at(i).stream}
             << Command{"XADD", targets.at(i).stream, "*", "f", "v"};
    if (const QString forbidden =
            dryRunRefusal(connection, asks, QStringLiteral("replay into these streams"));
        !forbidden.isEmpty())
        return Error(Error::Kind::Server, forbidden);
    QList<Command> commands;
    for (const ReplayTarget &t : targets)
        commands << Command{"TYPE", t.stream} << Command{"XLEN", t.stream};
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        return replies.error();
    QStringList holding;
    for (qsizetype i = 0; i < targets.size(); ++i) {
        ReplayTarget &t = targets[i];
        const RedisReply &type = replies->at(size_t(2 * i));
        const RedisReply &length = replies->at(size_t(2 * i + 1));
        if (type.isError())
            return Error(
                Error::Kind::Server,
                QStringLiteral("TYPE %1: %2").arg(nameText(t.stream), type.errorMessage()));
        const QByteArray kind = type.bytes();
        if (kind == "none")
            continue;
        if (kind != "stream")
            return invalid(QStringLiteral("%1 is a %2, not a stream: replay cannot append to it "
                                          "(map its entries elsewhere with --to or --map)")
                               .arg(nameText(t.stream), QString::fromUtf8(kind)));
        if (length.isError())
            return Error(
                Error::Kind::Server,
                QStringLiteral("XLEN %1: %2").arg(nameText(t.stream), length.errorMessage()));
        t.exists = true;
        t.length = length.integer();
        if (t.length > 0)
            holding << QStringLiteral("%1 already holds %2")
                           .arg(nameText(t.stream), countOf(t.length, "entry", "entries"));
    }
    if (!holding.isEmpty() && !options.append)
        return invalid(QStringLiteral("%1: replay writes only into empty or new streams unless "
                                      "--append is given (or choose another target with --to or "
                                      "--map)")
                           .arg(holding.join(QStringLiteral("; "))));
    return targets;
}

qint64 ReplayControl::nowNs() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void ReplayControl::pause() noexcept {
    qint64 expected = 0;
    m_pausedSince.compare_exchange_strong(expected, nowNs());
}

void ReplayControl::resume() noexcept {
    const qint64 since = m_pausedSince.load();
    if (since == 0)
        return;
    // The total first, then the flag: whoever sees the pause ended sees its length counted.
    m_pausedTotal.fetch_add(nowNs() - since);
    m_pausedSince.store(0);
}

void ReplayControl::continued() noexcept {
    const qint64 alive = m_alive.load();
    if (m_pausedSince.load() != 0 || alive == 0)
        return;
    const qint64 gap = nowNs() - alive;
    if (gap > 0)
        m_pausedTotal.fetch_add(gap);
    m_alive.store(nowNs());
}

qint64 ReplayControl::pausedNs() const noexcept {
    const qint64 since = m_pausedSince.load();
    const qint64 total = m_pausedTotal.load();
    return total + (since ? nowNs() - since : 0);
}

QString ReplaySummary::describe() const {
    QString text =
        QStringLiteral("%1 %2 of %3 in %4")
            .arg(cancelled ? QStringLiteral("cancelled: sent")
                 : error   ? QStringLiteral("stopped: sent")
                           : QStringLiteral("sent"),
                 formatCount(sent), countOf(total, "entry", "entries"), formatDuration(durationMs));
    if (pausedMs > 0)
        text += QStringLiteral(" (%1 of it paused)").arg(formatDuration(pausedMs));
    if (paced)
        text += QStringLiteral(", at most %1 behind schedule").arg(formatDuration(maxBehindMs));
    else
        text += QStringLiteral(" at max speed");
    for (const ReplayStreamSummary &s : streams) {
        text += QStringLiteral("\n  %1 -> %2: %3")
                    .arg(nameText(s.from), nameText(s.to), countOf(s.sent, "entry", "entries"));
        if (s.firstNewId && s.lastNewId)
            text += QStringLiteral(", new IDs %1 to %2")
                        .arg(s.firstNewId->toString(), s.lastNewId->toString());
    }
    return text;
}

QByteArray ReplaySummary::toJson(double speed) const {
    QByteArray o = "{\"sent\":" + QByteArray::number(sent)
                   + ",\"total\":" + QByteArray::number(total) + ",\"speed\":";
    valueformat::appendJsonString(o, describeSpeed(speed).toUtf8());
    o += ",\"cancelled\":";
    o += cancelled ? "true" : "false";
    o += ",\"duration_ms\":" + QByteArray::number(durationMs)
         + ",\"paused_ms\":" + QByteArray::number(pausedMs)
         + ",\"max_behind_ms\":" + QByteArray::number(maxBehindMs) + ",\"streams\":[";
    for (qsizetype i = 0; i < streams.size(); ++i) {
        const ReplayStreamSummary &s = streams.at(i);
        o += i ? ",{\"stream\":" : "{\"stream\":";
        valueformat::appendJsonBytes(o, s.from);
        o += ",\"to\":";
        valueformat::appendJsonBytes(o, s.to);
        o += ",\"sent\":" + QByteArray::number(s.sent) + ",\"first_id\":";
        o += s.firstNewId ? '"' + s.firstNewId->toByteArray() + '"' : QByteArray("null");
        o += ",\"last_id\":";
        o += s.lastNewId ? '"' + s.lastNewId->toByteArray() + '"' : QByteArray("null");
        o += '}';
    }
    o += ']';
    if (error) {
        o += ",\"error\":";
        valueformat::appendJsonString(o, error.message.toUtf8());
    }
    o += "}\n";
    return o;
}

namespace {

// One selected entry read from the capture, ready to send.
struct Outgoing {
    qsizetype stream = 0; // index in the summary's streams
    Command xadd;
    qint64 offsetNs = 0; // its place in the schedule, from the start
    qint64 line = 0;
};

} // namespace

ReplaySummary sendReplay(RedisClient &connection, QIODevice *in, const CaptureSummary &capture,
                         const ReplayOptions &options, ReplayControl &control,
                         const std::function<void(const ReplayProgress &)> &progress,
                         int progressIntervalMs) {
    ReplaySummary out;
    out.total = capture.selected;
    out.started = true;
    out.paced = options.paced();
    ImportReader reader(in, ImportFormat::JsonLines);
    QHash<QByteArray, qsizetype> index;
    const quint64 t0 = capture.firstId ? capture.firstId->ms : 0;
    const int maxBatch = qMax(1, options.maxBatch);

    // The next selected entry, or nullopt at the end or on an error (in out.error).
    auto readNext = [&]() -> std::optional<Outgoing> {
        while (true) {
            auto entry = reader.next();
            if (!entry.ok()) {
                out.error = Error(entry.error().kind,
                                  QStringLiteral("%1 (the capture changed since it was checked)")
                                      .arg(entry.error().message));
                return std::nullopt;
            }
            if (!entry.value())
                return std::nullopt;
            ImportedEntry &e = *entry.value();
            if (!e.id) {
                out.error = invalid(QStringLiteral("line %1: no \"id\" (the capture changed "
                                                   "since it was checked)")
                                        .arg(reader.line()));
                return std::nullopt;
            }
            const StreamId &id = *e.id;
            if ((options.since && id < *options.since) || (options.until && *options.until < id))
                continue;
            const QByteArray from = e.stream.value_or(QByteArray());
            auto at = index.constFind(from);
            if (at == index.constEnd()) {
                at = index.insert(from, out.streams.size());
                ReplayStreamSummary added;
                added.from = from;
                added.to = options.targetOf(from);
                out.streams.append(added);
            }
            Outgoing o;
            o.stream = *at;
            o.line = reader.line();
            o.xadd.reserve(3 + e.fields.size());
            o.xadd << "XADD" << out.streams.at(*at).to << "*";
            o.xadd += std::move(e.fields);
            if (options.paced() && id.ms > t0)
                o.offsetNs =
                    qint64(std::llround(double(id.ms - t0) * double(msNs) / options.speed));
            return o;
        }
    };

    const qint64 startNs = ReplayControl::nowNs();
    control.alive();
    qint64 lastProgressNs = startNs;
    qint64 behindMs = 0;
    auto report = [&](bool force) {
        const qint64 now = ReplayControl::nowNs();
        if (!progress || (!force && now - lastProgressNs < qint64(progressIntervalMs) * msNs))
            return;
        lastProgressNs = now;
        ReplayProgress p;
        p.sent = out.sent;
        p.total = out.total;
        p.behindMs = behindMs;
        p.paced = options.paced();
        p.elapsedMs = (now - startNs) / msNs;
        p.pausedMs = control.pausedNs() / msNs;
        p.paused = control.isPaused();
        progress(p);
    };
    // The schedule moves with every pause: due = start + paused so far + offset.
    auto dueNs = [&](const Outgoing &o) { return startNs + control.pausedNs() + o.offsetNs; };

    std::optional<Outgoing> next = readNext();
    QList<Outgoing> batch;
    QList<Command> commands;
    while (next && !out.error) {
        // Wait for the next entry's moment, in slices: cancel and pause are seen at once.
        bool cancelled = false;
        while (true) {
            control.alive();
            if (control.cancel) {
                cancelled = true;
                break;
            }
            const qint64 now = ReplayControl::nowNs();
            const qint64 wait = control.isPaused() ? 20 * msNs : dueNs(*next) - now;
            if (wait <= 0)
                break;
            report(false);
            sleepNs(qMin<qint64>(wait, 20 * msNs));
        }
        if (cancelled) {
            out.cancelled = true;
            break;
        }
        // This entry, and every one after it that is due by now, in one pipeline.
        batch.clear();
        commands.clear();
        batch.append(std::move(*next));
        next = readNext();
        qint64 now = ReplayControl::nowNs();
        while (next && batch.size() < maxBatch && dueNs(*next) <= now) {
            batch.append(std::move(*next));
            next = readNext();
            if (batch.size() % 64 == 0)
                now = ReplayControl::nowNs();
        }
        if (out.error)
            break; // the capture changed: nothing of this batch is sent
        if (options.paced()) {
            behindMs = qMax<qint64>(0, (ReplayControl::nowNs() - dueNs(batch.first())) / msNs);
            out.maxBehindMs = qMax(out.maxBehindMs, behindMs);
        }
        for (Outgoing &o : batch)
            commands.append(std::move(o.xadd));
        auto replies = connection.pipeline(commands);
        if (!replies.ok()) {
            out.error = Error(replies.error().kind,
                              QStringLiteral("%1 (%2 entries were sent before this pipeline, "
                                             "which began with line %3: it may or may not have "
                                             "been applied)")
                                  .arg(replies.error().message, formatCount(out.sent))
                                  .arg(batch.first().line));
            break;
        }
        for (size_t i = 0; i < replies->size(); ++i) {
            const RedisReply &reply = replies->at(i);
            const Outgoing &o = batch.at(qsizetype(i));
            if (reply.isError()) {
                out.error = Error(Error::Kind::Server,
                                  QStringLiteral("the server refused the entry of line %1 (to "
                                                 "%2): %3 (%4 entries before it were sent)")
                                      .arg(o.line)
                                      .arg(nameText(out.streams.at(o.stream).to),
                                           reply.errorMessage(), formatCount(out.sent)));
                break;
            }
            ReplayStreamSummary &s = out.streams[o.stream];
            const StreamId id = StreamId::fromServer(reply.bytes());
            if (!s.firstNewId)
                s.firstNewId = id;
            s.lastNewId = id;
            ++s.sent;
            ++out.sent;
        }
        report(false);
    }
    const qint64 endNs = ReplayControl::nowNs();
    out.pausedMs = control.pausedNs() / msNs;
    out.durationMs = (endNs - startNs) / msNs;
    report(true);
    return out;
}

ReplaySummary replayFile(const QString &path, const ConnectionSettings &settings,
                         const ReplayOptions &options, ReplayControl &control,
                         const std::function<void(const ReplayProgress &)> &progress,
                         const std::function<void(const CaptureSummary &)> &checked) {
    auto failed = [](const Error &e) {
        ReplaySummary s;
        s.error = e;
        return s;
    };
    if (settings.readOnlyNow())
        return failed(Error(Error::Kind::ReadOnly,
                            QStringLiteral("replay appends entries (XADD): refused in read-only "
                                           "mode, nothing was sent")));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failed(invalid(QStringLiteral("cannot read %1: %2").arg(path, file.errorString())));
    auto capture = checkCapture(&file, options);
    if (!capture.ok())
        return failed(
            Error(capture.error().kind,
                  QStringLiteral("%1: %2; nothing was sent").arg(path, capture.error().message)));
    if (checked)
        checked(capture.value());
    if (capture->selected == 0)
        return failed(invalid(QStringLiteral("%1: none of its %2 is within --since/--until; "
                                             "nothing was sent")
                                  .arg(path, countOf(capture->entries, "entry", "entries"))));
    auto client = openClient(settings, &control.cancel);
    if (!client.ok()) {
        ReplaySummary s = failed(client.error());
        s.cancelled = control.cancel;
        s.total = capture->selected;
        return s;
    }
    RedisClient &c = *client.value();
    c.setCancelFlag(nullptr); // a pipeline in flight is finished: cancel is seen between them
    auto targets = checkReplayTargets(c, capture.value(), options);
    if (!targets.ok()) {
        ReplaySummary s =
            failed(Error(targets.error().kind,
                         QStringLiteral("%1; nothing was sent").arg(targets.error().message)));
        s.total = capture->selected;
        return s;
    }
    if (!file.seek(0))
        return failed(
            Error(Error::Kind::Io,
                  QStringLiteral("cannot read %1 again: %2").arg(path, file.errorString())));
    return sendReplay(c, &file, capture.value(), options, control, progress);
}

void ReplayJob::run() {
    qRegisterMetaType<ReplayProgress>();
    qRegisterMetaType<ReplaySummary>();
    const ReplaySummary summary =
        replayFile(m_path, m_settings, m_options, m_control,
                   [this](const ReplayProgress &p) { Q_EMIT progress(p); });
    Q_EMIT done(summary);
    Q_EMIT finished();
}

} // namespace streamscope
