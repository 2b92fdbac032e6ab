// streamscope-cli's consumer-group commands: inspection, doctor, and the repairs (each refused
// under --read-only by the connection itself).
#include "DeadLetter.h"
#include "Doctor.h"
#include "GroupStatus.h"
#include "ValueFormat.h"
#include "Wording.h"
#include "cli/CliCommon.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace streamscope::cli {

namespace {

QString ms(std::optional<qint64> v) {
    if (!v)
        return QStringLiteral("-");
    if (*v < 0)
        return QStringLiteral("never");
    if (*v < 10000)
        return QStringLiteral("%1ms").arg(*v);
    if (*v < 600000)
        return QStringLiteral("%1s").arg(*v / 1000);
    return QStringLiteral("%1m").arg(*v / 60000);
}

QString lagText(const GroupStatus &g) {
    if (!g.lag)
        return QStringLiteral("unknown");
    return QString::number(*g.lag) + (g.lagEstimated ? QStringLiteral("~") : QString());
}

QJsonValue optionalNumber(std::optional<qint64> v) {
    return v ? QJsonValue(double(*v)) : QJsonValue();
}

// The time lag, or nothing when it could not be read (never 0 for "unknown").
std::optional<qint64> timeLag(const GroupStatus &g) {
    return g.timeLagUnknown.isEmpty() ? std::optional<qint64>(g.timeLagMs) : std::nullopt;
}

QString unknownOr(const QString &reason, const QString &known) {
    return reason.isEmpty() ? known : QStringLiteral("unknown");
}

// One stream's status, or an error that names it.
Result<StreamStatus> streamStatus(RedisClient &c, const QByteArray &stream) {
    auto all = fetchStreamStatus(c, {stream}, fetchServerVersion(c));
    if (!all.ok())
        return all.error();
    if (all->isEmpty())
        return Error(Error::Kind::Server, QStringLiteral("no stream called \"%1\" (check the "
                                                         "name with 'streamscope-cli streams')")
                                              .arg(QString::fromUtf8(stream)));
    return all->first();
}

Result<GroupStatus> groupStatus(RedisClient &c, const QByteArray &stream, const QByteArray &group) {
    auto s = streamStatus(c, stream);
    if (!s.ok())
        return s.error();
    for (const GroupStatus &g : s->groups)
        if (g.name == group)
            return g;
    QStringList names;
    for (const GroupStatus &g : s->groups)
        names << QString::fromUtf8(g.name);
    return Error(
        Error::Kind::Server,
        QStringLiteral("stream %1 has no group \"%2\" (its groups: %3)")
            .arg(QString::fromUtf8(stream), QString::fromUtf8(group),
                 names.isEmpty() ? QStringLiteral("none") : names.join(QLatin1String(", "))));
}

// Positional arguments: exactly n fixed ones plus optionally more (IDs).
bool arity(const QCommandLineParser &p, int fixed, bool more, const QString &command,
           const QString &usage, int *code) {
    const qsizetype n = p.positionalArguments().size();
    if (n < fixed || (!more && n > fixed) || (more && n == fixed)) {
        *code =
            usageError(QStringLiteral("usage: streamscope-cli %1 %2").arg(command, usage), command);
        return false;
    }
    return true;
}

Result<qint64> numberOption(const QCommandLineParser &p, const QString &name, qint64 fallback,
                            bool allowZero = true) {
    if (!p.isSet(name))
        return fallback;
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < 0 || (!allowZero && v == 0))
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("--%1: \"%2\" is not a whole number%3")
                         .arg(name, p.value(name),
                              allowZero ? QStringLiteral(" >= 0") : QStringLiteral(" > 0")));
    return v;
}

Result<QList<QByteArray>> entryIds(const QStringList &args) {
    QList<QByteArray> ids;
    for (const QString &a : args) {
        auto id = StreamId::parse(a.toUtf8());
        if (!id.ok())
            return id.error();
        ids.append(id->toByteArray());
    }
    return ids;
}

// The exit code of a write to stream that failed, -1 when it went through.
int serverReply(const RedisClient &c, const QByteArray &stream, const Result<RedisReply> &reply,
                const QString &what) {
    if (!reply.ok())
        return fail(onStreamNode(c, stream, reply.error(), true));
    if (reply->isError())
        return fail(
            Error(Error::Kind::Server, QStringLiteral("%1: %2").arg(what, reply->errorMessage())));
    return -1;
}

// The IDs claimed: one per line (the summary on stderr), or {"claimed": [...]}.
void printClaimed(const StreamEntryList &claimed, bool json, const QString &summary) {
    Output out;
    QJsonArray list;
    for (const StreamEntry &e : claimed) {
        list.append(e.id.toString());
        if (!json)
            out << e.id.toByteArray() << "\n";
    }
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("claimed"), list}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    else
        printError(summary);
}

} // namespace

int runGroups(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 1, false, QStringLiteral("groups"), QStringLiteral("STREAM"), &code))
        return code;
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    const QByteArray stream = p.positionalArguments().first().toUtf8();
    auto s = streamStatus(*c.value(), stream);
    if (!s.ok())
        return fail(onStreamNode(*c.value(), stream, s.error()));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Output out;
    if (json) {
        QJsonArray groups;
        for (const GroupStatus &g : s->groups)
            groups.append(
                QJsonObject{{QStringLiteral("name"), valueformat::displayText(g.name)},
                            {QStringLiteral("consumers"), g.consumers},
                            {QStringLiteral("pending"), g.pending},
                            {QStringLiteral("last_delivered_id"), g.lastDeliveredId.toString()},
                            {QStringLiteral("entries_read"), optionalNumber(g.entriesRead)},
                            {QStringLiteral("lag"), optionalNumber(g.lag)},
                            {QStringLiteral("lag_estimated"), g.lagEstimated},
                            {QStringLiteral("lag_note"), g.lagNote},
                            {QStringLiteral("time_lag_ms"), optionalNumber(timeLag(g))},
                            {QStringLiteral("time_lag_unknown"), g.timeLagUnknown},
                            {QStringLiteral("oldest_pending_age_ms"),
                             optionalNumber(g.oldestPendingAgeMs(now))},
                            {QStringLiteral("pending_unknown"), g.pendingUnknown}});
        out << QJsonDocument(groups).toJson(QJsonDocument::Compact) << "\n";
        return Success;
    }
    QList<QStringList> rows;
    for (const GroupStatus &g : s->groups)
        rows.append({valueformat::singleLine(g.name, 60), QString::number(g.consumers),
                     QString::number(g.pending), g.lastDeliveredId.toString(),
                     g.entriesRead ? QString::number(*g.entriesRead) : QStringLiteral("-"),
                     lagText(g), unknownOr(g.timeLagUnknown, ms(g.timeLagMs)),
                     unknownOr(g.pendingUnknown, ms(g.oldestPendingAgeMs(now)))});
    if (rows.isEmpty()) {
        out << QStringLiteral("Stream %1 has no consumer groups.\n")
                   .arg(p.positionalArguments().first());
        return Success;
    }
    out << table({QStringLiteral("GROUP"), QStringLiteral("CONSUMERS"), QStringLiteral("PENDING"),
                  QStringLiteral("LAST-DELIVERED"), QStringLiteral("ENTRIES-READ"),
                  QStringLiteral("LAG"), QStringLiteral("TIME-LAG"),
                  QStringLiteral("OLDEST-PENDING")},
                 rows);
    for (const GroupStatus &g : s->groups) {
        if (!g.lagNote.isEmpty())
            out << QStringLiteral("%1: lag %2\n").arg(QString::fromUtf8(g.name), g.lagNote);
        if (!g.timeLagUnknown.isEmpty())
            out << QStringLiteral("%1: time lag %2\n")
                       .arg(QString::fromUtf8(g.name), g.timeLagUnknown);
        if (!g.pendingUnknown.isEmpty())
            out << QStringLiteral("%1: oldest pending %2\n")
                       .arg(QString::fromUtf8(g.name), g.pendingUnknown);
    }
    return Success;
}

int runConsumers(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 2, false, QStringLiteral("consumers"), QStringLiteral("STREAM GROUP"), &code))
        return code;
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    const QStringList a = p.positionalArguments();
    auto g = groupStatus(*c.value(), a.at(0).toUtf8(), a.at(1).toUtf8());
    if (!g.ok())
        return fail(onStreamNode(*c.value(), a.at(0).toUtf8(), g.error()));
    Output out;
    if (json) {
        QJsonArray consumers;
        for (const ConsumerStatus &cs : g->consumerList)
            consumers.append(
                QJsonObject{{QStringLiteral("name"), valueformat::displayText(cs.name)},
                            {QStringLiteral("pending"), cs.pending},
                            {QStringLiteral("idle_ms"), cs.idleMs},
                            {QStringLiteral("inactive_ms"), optionalNumber(cs.inactiveMs)}});
        out << QJsonDocument(consumers).toJson(QJsonDocument::Compact) << "\n";
        return Success;
    }
    QList<QStringList> rows;
    for (const ConsumerStatus &cs : g->consumerList)
        rows.append({valueformat::singleLine(cs.name, 60), QString::number(cs.pending),
                     ms(cs.idleMs), ms(cs.inactiveMs)});
    out << table({QStringLiteral("CONSUMER"), QStringLiteral("PENDING"), QStringLiteral("IDLE"),
                  QStringLiteral("INACTIVE")},
                 rows);
    return Success;
}

int runPending(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 2, false, QStringLiteral("pending"), QStringLiteral("STREAM GROUP"), &code))
        return code;
    auto minIdle = numberOption(p, QStringLiteral("min-idle"), 0);
    auto count = numberOption(p, QStringLiteral("count"), 100, false);
    if (!minIdle.ok() || !count.ok())
        return usageError((minIdle.ok() ? count.error() : minIdle.error()).message,
                          QStringLiteral("pending"));
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    const QStringList a = p.positionalArguments();
    auto list = fetchPending(*c.value(), a.at(0).toUtf8(), a.at(1).toUtf8(), "-",
                             int(qMin<qint64>(count.value(), 100000)), minIdle.value(),
                             p.value(QStringLiteral("consumer")).toUtf8());
    if (!list.ok())
        return fail(onStreamNode(*c.value(), a.at(0).toUtf8(), list.error()));
    Output out;
    if (json) {
        QJsonArray entries;
        for (const PendingEntry &e : list.value())
            entries.append(
                QJsonObject{{QStringLiteral("id"), e.id.toString()},
                            {QStringLiteral("consumer"), valueformat::displayText(e.consumer)},
                            {QStringLiteral("idle_ms"), e.idleMs},
                            {QStringLiteral("deliveries"), e.deliveries}});
        out << QJsonDocument(entries).toJson(QJsonDocument::Compact) << "\n";
        return Success;
    }
    QList<QStringList> rows;
    for (const PendingEntry &e : list.value())
        rows.append({e.id.toString(), valueformat::singleLine(e.consumer, 60), ms(e.idleMs),
                     QString::number(e.deliveries)});
    out << table({QStringLiteral("ID"), QStringLiteral("CONSUMER"), QStringLiteral("IDLE"),
                  QStringLiteral("DELIVERIES")},
                 rows);
    return Success;
}

int runDoctorCommand(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QStringList a = p.positionalArguments();
    if (a.size() > 1)
        return usageError(QStringLiteral("doctor takes at most one PATTERN"),
                          QStringLiteral("doctor"));
    HealthOptions options;
    auto idle = numberOption(p, QStringLiteral("idle-threshold"), options.idleThresholdMs);
    auto deliveries =
        numberOption(p, QStringLiteral("max-deliveries"), options.maxDeliveries, false);
    auto window = numberOption(p, QStringLiteral("window"), 0);
    for (const auto *r : {&idle, &deliveries, &window})
        if (!r->ok())
            return usageError(r->error().message, QStringLiteral("doctor"));
    options.idleThresholdMs = idle.value();
    options.maxDeliveries = deliveries.value();
    options.windowSeconds = int(qMin<qint64>(window.value(), 3600));

    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    auto report =
        runDoctor(*c.value(), a.isEmpty() ? QByteArray("*") : a.first().toUtf8(), options);
    if (!report.ok())
        return fail(report.error());

    Output out;
    if (json) {
        out << doctorReportJsonText(report.value()) << "\n";
    } else {
        int groups = 0;
        if (!report->versionUnknown.isEmpty())
            out << QStringLiteral("server version unknown: %1\n").arg(report->versionUnknown);
        for (const DoctorReport::Stream &s : report->streams) {
            if (!s.info.noAccess.isEmpty())
                out << QStringLiteral("UNKNOWN  %1: %2\n")
                           .arg(valueformat::singleLine(s.info.name, 60), s.info.noAccess);
            for (const DoctorReport::Group &g : s.groups) {
                ++groups;
                const Severity worst = worstOf(g.findings);
                out << QStringLiteral("%1 %2 / %3: lag %4, pending %5, %6\n")
                           .arg(worst == Severity::Ok
                                    ? QStringLiteral("ok      ")
                                    : severityName(worst).toUpper().leftJustified(8),
                                valueformat::singleLine(s.info.name, 60),
                                valueformat::singleLine(g.status.name, 60), lagText(g.status),
                                formatCount(g.status.pending),
                                countOf(g.status.consumers, "consumer", "consumers"));
                for (const Finding &f : g.findings)
                    out << QStringLiteral("  - [%1] %2\n").arg(f.kind, f.message);
            }
        }
        for (const MissingNode &m : report->missing)
            out << QStringLiteral("UNKNOWN  %1\n").arg(missingNodeText(m));
        QStringList gaps;
        if (!report->missing.isEmpty())
            gaps << QStringLiteral("%1 not examined")
                        .arg(countOf(report->missing.size(), "node", "nodes"));
        if (report->forbiddenStreams() > 0)
            gaps << QStringLiteral("%1 not examined (no permission)")
                        .arg(countOf(report->forbiddenStreams(), "stream", "streams"));
        for (const DoctorReport::NotEvaluated &n : report->notEvaluated())
            gaps << QStringLiteral("%1 not evaluated for %2")
                        .arg(n.rules.join(QLatin1String(", ")),
                             countOf(n.groups, "group", "groups"));
        out << QStringLiteral("%1, %2, %3%4\n")
                   .arg(countOf(report->streams.size() - report->forbiddenStreams(), "stream",
                                "streams"),
                        countOf(groups, "group", "groups"),
                        countOf(report->findingCount(), "finding", "findings"))
                   .arg(gaps.isEmpty() ? QString()
                                       : QStringLiteral(" on what could be examined; ")
                                             + gaps.join(QLatin1String("; ")));
    }
    // A partial view is never "all clear", nor a complete list of findings.
    if (report->truncated)
        printError(QStringLiteral("partial report: more streams match than were examined (%1); "
                                  "narrow the PATTERN")
                       .arg(report->streams.size()));
    for (const MissingNode &m : report->missing)
        printError(QStringLiteral("partial report: %1").arg(missingNodeText(m)));
    for (const DoctorReport::Stream &s : report->streams)
        if (!s.info.noAccess.isEmpty())
            printError(QStringLiteral("partial report: stream %1 not examined: %2; %3")
                           .arg(valueformat::singleLine(s.info.name, 60), s.info.noAccess,
                                keyAdvice(settings.user, s.info.name)));
    for (const DoctorReport::NotEvaluated &n : report->notEvaluated())
        printError(QStringLiteral("partial report: %1 not evaluated for %2: %3")
                       .arg(n.rules.join(QLatin1String(", ")), countOf(n.groups, "group", "groups"),
                            n.reason));
    if (report->partial())
        return ConnectionError;
    return report->findingCount() > 0 ? Findings : Success;
}

int runAck(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 2, true, QStringLiteral("ack"), QStringLiteral("STREAM GROUP ID..."), &code))
        return code;
    const QStringList a = p.positionalArguments();
    auto ids = entryIds(a.mid(2));
    if (!ids.ok())
        return usageError(ids.error().message, QStringLiteral("ack"));
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    Command cmd{"XACK", a.at(0).toUtf8(), a.at(1).toUtf8()};
    cmd.append(ids.value());
    auto reply = c.value()->command(cmd);
    if (const int e = serverReply(*c.value(), a.at(0).toUtf8(), reply, QStringLiteral("XACK"));
        e >= 0)
        return e;
    Output out;
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("acknowledged"), reply->integer()}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    else
        out << QStringLiteral("acknowledged %1 of %2 (the others were not pending)\n")
                   .arg(formatCount(reply->integer()), countOf(ids->size(), "entry", "entries"));
    return Success;
}

int runClaim(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 3, true, QStringLiteral("claim"),
               QStringLiteral("STREAM GROUP CONSUMER --min-idle MS ID..."), &code))
        return code;
    if (!p.isSet(QStringLiteral("min-idle")))
        return usageError(QStringLiteral("claim needs --min-idle MS (0 claims whatever the idle "
                                         "time)"),
                          QStringLiteral("claim"));
    auto minIdle = numberOption(p, QStringLiteral("min-idle"), 0);
    const QStringList a = p.positionalArguments();
    auto ids = entryIds(a.mid(3));
    if (!minIdle.ok() || !ids.ok())
        return usageError((minIdle.ok() ? ids.error() : minIdle.error()).message,
                          QStringLiteral("claim"));
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    Command cmd{"XCLAIM", a.at(0).toUtf8(), a.at(1).toUtf8(), a.at(2).toUtf8(),
                QByteArray::number(minIdle.value())};
    cmd.append(ids.value());
    StreamEntryList claimed;
    auto reply = c.value()->commandEntries(cmd, 0, &claimed, -1, a.at(0).toUtf8());
    if (const int e = serverReply(*c.value(), a.at(0).toUtf8(), reply, QStringLiteral("XCLAIM"));
        e >= 0)
        return e;
    printClaimed(
        claimed, json,
        QStringLiteral("claimed %1 of %2 for %3")
            .arg(formatCount(claimed.size()), countOf(ids->size(), "entry", "entries"), a.at(2)));
    return Success;
}

int runAutoclaim(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 3, false, QStringLiteral("autoclaim"),
               QStringLiteral("STREAM GROUP CONSUMER --min-idle MS [--count N]"), &code))
        return code;
    if (!p.isSet(QStringLiteral("min-idle")))
        return usageError(QStringLiteral("autoclaim needs --min-idle MS"),
                          QStringLiteral("autoclaim"));
    auto minIdle = numberOption(p, QStringLiteral("min-idle"), 0);
    auto count = numberOption(p, QStringLiteral("count"), 100, false);
    if (!minIdle.ok() || !count.ok())
        return usageError((minIdle.ok() ? count.error() : minIdle.error()).message,
                          QStringLiteral("autoclaim"));
    const QStringList a = p.positionalArguments();
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    // Page through the PEL with the cursor, up to --count entries in all.
    StreamEntryList claimed;
    QByteArray cursor = "0-0";
    for (int round = 0; round < 1000 && claimed.size() < count.value(); ++round) {
        auto reply = c.value()->commandEntries(
            {"XAUTOCLAIM", a.at(0).toUtf8(), a.at(1).toUtf8(), a.at(2).toUtf8(),
             QByteArray::number(minIdle.value()), cursor, "COUNT",
             QByteArray::number(qMin<qint64>(100, count.value() - claimed.size()))},
            1, &claimed, -1, a.at(0).toUtf8());
        if (const int e =
                serverReply(*c.value(), a.at(0).toUtf8(), reply, QStringLiteral("XAUTOCLAIM"));
            e >= 0)
            return e;
        cursor = reply->at(0).bytes();
        if (cursor == "0-0")
            break;
    }
    printClaimed(claimed, json,
                 QStringLiteral("claimed %1 idle for at least %2 ms for %3")
                     .arg(countOf(claimed.size(), "entry", "entries"))
                     .arg(minIdle.value())
                     .arg(a.at(2)));
    return Success;
}

int runDeadLetter(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    int code = 0;
    if (!arity(p, 2, true, QStringLiteral("dead-letter"),
               QStringLiteral("STREAM GROUP ID... [--to STREAM]"), &code))
        return code;
    const QStringList a = p.positionalArguments();
    auto ids = entryIds(a.mid(2));
    if (!ids.ok())
        return usageError(ids.error().message, QStringLiteral("dead-letter"));
    const QByteArray stream = a.at(0).toUtf8(), group = a.at(1).toUtf8();
    const QByteArray target =
        p.isSet(QStringLiteral("to")) ? p.value(QStringLiteral("to")).toUtf8() : stream + ":dlq";
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    Output out;
    QJsonArray moved;
    for (const QByteArray &id : ids.value()) {
        auto result = deadLetterPending(*c.value(), stream, group, id,
                                        QStringLiteral("moved by streamscope-cli"), target);
        if (!result.ok()) {
            out.flush(); // what was moved before the failure is on stdout
            return fail(result.error());
        }
        if (result->kind == DeadLetterOutcome::Kind::NotPending)
            return fail(Error(Error::Kind::Server,
                              QStringLiteral("%1 is not pending in group %2 of %3: nothing to "
                                             "dead-letter")
                                  .arg(QString::fromUtf8(id), QString::fromUtf8(group),
                                       QString::fromUtf8(stream))));
        const bool deleted = result->kind == DeadLetterOutcome::Kind::MovedDeleted;
        const QByteArray dlqId = result->deadLetterId;
        moved.append(QJsonObject{{QStringLiteral("id"), QString::fromUtf8(id)},
                                 {QStringLiteral("dead_letter_id"), QString::fromUtf8(dlqId)},
                                 {QStringLiteral("deleted"), deleted}});
        if (!json)
            out << QStringLiteral("%1 -> %2 %3%4\n")
                       .arg(QString::fromUtf8(id), QString::fromUtf8(target),
                            QString::fromUtf8(dlqId),
                            deleted ? QStringLiteral(" (the entry no longer exists in %1: only "
                                                     "its record was moved, without a body)")
                                          .arg(QString::fromUtf8(stream))
                                    : QString());
    }
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("moved"), moved}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    return Success;
}

int runGroupAdmin(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QStringList a = p.positionalArguments();
    const QString usage = QStringLiteral(
        "group create STREAM GROUP [--from ID|$|0] [--mkstream] | group setid STREAM GROUP ID|$ "
        "[--entries-read N] | group destroy STREAM GROUP | group delconsumer STREAM GROUP "
        "CONSUMER");
    const QString verb = a.value(0);
    if (verb == QLatin1String("rewind"))
        return runGroupRewind(p, settings, json);
    const QMap<QString, int> arity{{QStringLiteral("create"), 3},
                                   {QStringLiteral("setid"), 4},
                                   {QStringLiteral("destroy"), 3},
                                   {QStringLiteral("delconsumer"), 4}};
    if (!arity.contains(verb) || a.size() != arity.value(verb))
        return usageError(QStringLiteral("usage: streamscope-cli %1").arg(usage),
                          QStringLiteral("group"));
    const QByteArray stream = a.at(1).toUtf8(), group = a.at(2).toUtf8();
    Command cmd{"XGROUP", verb.toUpper().toUtf8(), stream, group};
    auto checkId = [](const QString &id) {
        return id == QLatin1String("$") || id == QLatin1String("0")
               || StreamId::isValid(id.toUtf8());
    };
    if (verb == QLatin1String("create")) {
        const QString from =
            p.isSet(QStringLiteral("from")) ? p.value(QStringLiteral("from")) : QStringLiteral("$");
        if (!checkId(from))
            return usageError(QStringLiteral("--from: \"%1\" is not an entry ID, $ or 0").arg(from),
                              QStringLiteral("group"));
        cmd << from.toUtf8();
        if (p.isSet(QStringLiteral("mkstream")))
            cmd << "MKSTREAM";
    } else if (verb == QLatin1String("setid")) {
        if (!checkId(a.at(3)))
            return usageError(QStringLiteral("\"%1\" is not an entry ID, $ or 0").arg(a.at(3)),
                              QStringLiteral("group"));
        cmd << a.at(3).toUtf8();
        if (p.isSet(QStringLiteral("entries-read"))) {
            auto n = numberOption(p, QStringLiteral("entries-read"), 0);
            if (!n.ok())
                return usageError(n.error().message, QStringLiteral("group"));
            cmd << "ENTRIESREAD" << QByteArray::number(n.value());
        }
    } else if (verb == QLatin1String("delconsumer")) {
        cmd << a.at(3).toUtf8();
    }
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    auto reply = c.value()->command(cmd);
    if (const int e =
            serverReply(*c.value(), stream, reply, QStringLiteral("XGROUP %1").arg(verb.toUpper()));
        e >= 0)
        return e;
    Output out;
    QString text;
    if (verb == QLatin1String("delconsumer"))
        text = QStringLiteral("deleted consumer %1; %2 pending entries were dropped with it")
                   .arg(a.at(3))
                   .arg(reply->integer());
    else if (verb == QLatin1String("destroy"))
        text = reply->integer() ? QStringLiteral("destroyed group %1").arg(a.at(2))
                                : QStringLiteral("there was no group %1").arg(a.at(2));
    else
        text = QStringLiteral("%1 %2: OK").arg(verb, a.at(2));
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("result"), text}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    else
        out << text << "\n";
    return Success;
}

} // namespace streamscope::cli
