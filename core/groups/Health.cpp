#include "Health.h"

#include "Wording.h"

#include <QSet>

#include <algorithm>

namespace streamscope {

namespace {

QString duration(qint64 ms) {
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 120000)
        return QStringLiteral("%1 s").arg(ms / 1000);
    if (ms < 7200000)
        return QStringLiteral("%1 min").arg(ms / 60000);
    return QStringLiteral("%1 h").arg(ms / 3600000);
}

QString q(const QByteArray &name) {
    return QString::fromUtf8(name);
}

} // namespace

QString severityName(Severity severity) {
    switch (severity) {
    case Severity::Ok:
        return QStringLiteral("ok");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Critical:
        return QStringLiteral("critical");
    }
    return {};
}

QByteArray groupKey(const QByteArray &stream, const QByteArray &group) {
    return QByteArray::number(stream.size()) + ':' + stream + group;
}

int problemCount(const FindingList &findings) {
    return int(std::count_if(findings.begin(), findings.end(), [](const Finding &f) {
        return f.kind != QLatin1String("not-evaluated");
    }));
}

Severity worstOf(const FindingList &findings) {
    Severity worst = Severity::Ok;
    for (const Finding &f : findings)
        worst = qMax(worst, f.severity);
    return worst;
}

Result<QHash<QByteArray, PendingSample>> fetchPendingSamples(RedisClient &connection,
                                                             const StreamStatusList &streams,
                                                             const HealthOptions &options,
                                                             const Permissions *access) {
    QHash<QByteArray, PendingSample> samples;
    QList<Command> commands;
    QList<const GroupStatus *> groups;
    const QByteArray n = QByteArray::number(options.pendingSample);
    // Known to be refused (probePermissions): not sent, said.
    const bool noPending = access && !access->allows("XPENDING");
    const bool noRange = access && !access->allows("XRANGE");
    for (const StreamStatus &s : streams)
        for (const GroupStatus &g : s.groups) {
            if (g.pending == 0)
                continue;
            if (noPending) {
                PendingSample sample;
                sample.notEvaluated =
                    QStringLiteral("no permission: %1").arg(access->whyNot("XPENDING"));
                samples.insert(groupKey(g.stream, g.name), sample);
                continue;
            }
            groups.append(&g);
            commands.append({"XPENDING", s.info.name, g.name, "IDLE",
                             QByteArray::number(options.idleThresholdMs), "-", "+", n});
            commands.append({"XPENDING", s.info.name, g.name, "-", "+", n});
        }
    if (commands.isEmpty())
        return samples;
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        return replies.error();
    auto parse = [](const RedisReply &reply) {
        PendingEntryList out;
        if (reply.isArray())
            for (const RedisReply &p : reply.elements())
                if (p.isArray() && p.size() >= 4)
                    out.append({StreamId::fromServer(p.at(0).bytes()), p.at(1).bytes(),
                                p.at(2).integer(), p.at(3).integer()});
        return out;
    };

    // Which pending IDs still have an entry? Before the first entry: gone for sure. Otherwise
    // only XDEL can have removed one, so ask only where the stream had deletions.
    QList<Command> checks;
    QList<QPair<QByteArray, StreamId>> checked;
    const QString user = connection.settings().user;
    // Each group's stream by name: one lookup per group, not a walk of every stream (the doctor
    // passes thousands).
    QHash<QByteArray, const StreamInfo *> infoOf;
    infoOf.reserve(streams.size());
    for (const StreamStatus &s : streams)
        if (!infoOf.contains(s.info.name)) // the first, as a walk would find
            infoOf.insert(s.info.name, &s.info);
    size_t r = 0;
    for (const GroupStatus *g : groups) {
        PendingSample sample{parse(replies.value()[r]), parse(replies.value()[r + 1]), {}, {}, {}};
        for (const RedisReply *reply : {&replies.value()[r], &replies.value()[r + 1]})
            if (reply->isError() && sample.notEvaluated.isEmpty())
                sample.notEvaluated = QStringLiteral("%1%2").arg(
                    reply->errorCode() == "NOPERM" ? QStringLiteral("no permission: ")
                                                   : QStringLiteral("XPENDING failed: "),
                    explainRefusal(reply->errorMessage(), user));
        r += 2;
        const StreamInfo &info = *infoOf.value(g->stream);
        QSet<QPair<quint64, quint64>> seen;
        for (const PendingEntryList *list : {&sample.oldest, &sample.idle})
            for (const PendingEntry &p : *list) {
                if (seen.contains({p.id.ms, p.id.seq}))
                    continue;
                seen.insert({p.id.ms, p.id.seq});
                if (!info.firstEntryId || p.id < *info.firstEntryId)
                    sample.missing.append(p.id);
                else if (noRange && (!info.maxDeletedEntryId || p.id <= *info.maxDeletedEntryId))
                    sample.missingUnknown =
                        QStringLiteral("no permission: %1").arg(access->whyNot("XRANGE"));
                else if (!info.maxDeletedEntryId || p.id <= *info.maxDeletedEntryId) {
                    checks.append({"XRANGE", g->stream, p.id.toByteArray(), p.id.toByteArray()});
                    checked.append({groupKey(g->stream, g->name), p.id});
                }
            }
        samples.insert(groupKey(g->stream, g->name), sample);
    }
    if (!checks.isEmpty()) {
        auto exists = connection.pipeline(checks);
        if (!exists.ok())
            return exists.error();
        for (qsizetype i = 0; i < checked.size(); ++i) {
            const RedisReply &reply = exists.value()[size_t(i)];
            PendingSample &sample = samples[checked.at(i).first];
            if (reply.isError() && sample.missingUnknown.isEmpty())
                sample.missingUnknown = QStringLiteral("%1%2").arg(
                    reply.errorCode() == "NOPERM" ? QStringLiteral("no permission: ")
                                                  : QStringLiteral("XRANGE failed: "),
                    explainRefusal(reply.errorMessage(), user));
            if (reply.isArray() && reply.size() == 0)
                sample.missing.append(checked.at(i).second);
        }
    }
    return samples;
}

FindingList evaluateGroup(const StreamInfo &stream, const GroupStatus &g,
                          const QList<GroupStatus> &history, const PendingSample &pending,
                          const HealthOptions &options) {
    FindingList out;
    auto add = [&](const QString &kind, Severity severity, const QString &message) -> Finding & {
        Finding f;
        f.kind = kind;
        f.severity = severity;
        f.stream = g.stream;
        f.group = g.name;
        f.message = message;
        out.append(f);
        return out.last();
    };
    const QString where = QStringLiteral("group %1 on %2").arg(q(g.name), q(g.stream));
    const bool undelivered = g.lag ? *g.lag > 0 : g.hasUndelivered(stream);

    // dead-consumer
    for (const ConsumerStatus &c : g.consumerList)
        if (c.pending > 0 && c.quietMs() >= options.idleThresholdMs) {
            Finding &f = add(QStringLiteral("dead-consumer"), Severity::Critical,
                             QStringLiteral("consumer %1 of %2 holds %3 and has been idle for "
                                            "%4. If it is gone, claim its entries for a live "
                                            "consumer (claim/autoclaim) or delete it (group "
                                            "delconsumer drops its pending entries).")
                                 .arg(q(c.name), where,
                                      countOf(c.pending, "pending entry", "pending entries"),
                                      duration(c.quietMs())));
            f.consumer = c.name;
            f.count = c.pending;
            f.idleMs = c.quietMs();
            f.minIdleMs = options.idleThresholdMs;
        }

    // stuck-entry: the count and the oldest, not thousands of findings.
    if (!pending.idle.isEmpty()) {
        const PendingEntry &oldest = pending.idle.first();
        const bool more = pending.idle.size() >= options.pendingSample;
        Finding &f =
            add(QStringLiteral("stuck-entry"), Severity::Warning,
                QStringLiteral("%1%2 of %3 %4 not been acknowledged or delivered "
                               "again for at least %5; the oldest is %6 (consumer %7, "
                               "idle %8, %9). Claim them for a live consumer, or "
                               "acknowledge them if they are done.")
                    .arg(more ? QStringLiteral("at least ") : QString(),
                         countOf(pending.idle.size(), "pending entry", "pending entries"), where,
                         pending.idle.size() == 1 && !more ? QStringLiteral("has")
                                                           : QStringLiteral("have"),
                         duration(options.idleThresholdMs), oldest.id.toString(),
                         q(oldest.consumer), duration(oldest.idleMs),
                         countOf(oldest.deliveries, "delivery", "deliveries")));
        f.entryId = oldest.id;
        f.consumer = oldest.consumer;
        f.count = pending.idle.size();
        f.idleMs = oldest.idleMs;
        f.deliveries = oldest.deliveries;
        f.minIdleMs = options.idleThresholdMs;
    }

    // poison-entry: one finding per entry, a few at most.
    int poisons = 0;
    QSet<QByteArray> seen;
    for (const PendingEntryList *list : {&pending.oldest, &pending.idle})
        for (const PendingEntry &p : *list) {
            if (p.deliveries < options.maxDeliveries || seen.contains(p.id.toByteArray())
                || poisons >= 5)
                continue;
            seen.insert(p.id.toByteArray());
            ++poisons;
            Finding &f = add(QStringLiteral("poison-entry"), Severity::Critical,
                             QStringLiteral("entry %1 of %2 has been delivered %3 times without "
                                            "being acknowledged: its consumers probably fail on "
                                            "it. Inspect it, then move it to a dead-letter "
                                            "stream (dead-letter) so the group moves on.")
                                 .arg(p.id.toString(), where)
                                 .arg(p.deliveries));
            f.entryId = p.id;
            f.consumer = p.consumer;
            f.deliveries = p.deliveries;
            f.idleMs = p.idleMs;
        }

    // no-consumers
    if (g.consumers == 0 && undelivered) {
        Finding &f = add(QStringLiteral("no-consumers"), Severity::Critical,
                         QStringLiteral("%1 has %2 left to read and no consumers: nothing "
                                        "is processing it. Start its service, or destroy the "
                                        "group if it is no longer used.")
                             .arg(where, g.lag ? countOf(*g.lag, "entry", "entries")
                                               : QStringLiteral("an unknown number of entries")));
        if (g.lag)
            f.count = *g.lag;
    }

    // stalled-group and lagging-group
    if (options.windowSeconds > 0 && !history.isEmpty()) {
        const GroupStatus &first = history.first();
        const bool readSomething = g.entriesRead && first.entriesRead
                                       ? *g.entriesRead > *first.entriesRead
                                       : g.lastDeliveredId > first.lastDeliveredId;
        if (undelivered && g.consumers > 0 && !readSomething)
            add(QStringLiteral("stalled-group"), Severity::Critical,
                QStringLiteral("%1 has entries to read but read none in the last %2 s. Check "
                               "its consumers: they may be hung or failing.")
                    .arg(where)
                    .arg(options.windowSeconds));
        else if (readSomething && g.lag && first.lag && *g.lag > *first.lag)
            add(QStringLiteral("lagging-group"), Severity::Warning,
                QStringLiteral("%1 is reading, but its lag grew from %2 to %3 in the last %4 s: "
                               "its consumers do not keep up. Add consumers or make them "
                               "faster.")
                    .arg(where, formatCount(*first.lag), formatCount(*g.lag))
                    .arg(options.windowSeconds))
                .count = *g.lag - *first.lag;
    } else if (undelivered && g.consumers > 0 && !g.consumerList.isEmpty()
               && std::all_of(g.consumerList.begin(), g.consumerList.end(),
                              [&](const ConsumerStatus &c) {
                                  return c.quietMs() >= options.idleThresholdMs;
                              })) {
        add(QStringLiteral("stalled-group"), Severity::Critical,
            QStringLiteral("%1 has entries to read and %2 been idle for at least %3. Check that "
                           "its service is running.")
                .arg(where,
                     g.consumers == 1 ? QStringLiteral("its one consumer has")
                                      : QStringLiteral("every one of its %1 consumers has")
                                            .arg(formatCount(g.consumers)),
                     duration(options.idleThresholdMs)));
    }

    // lag-unknown
    if (!g.lag || g.lagEstimated) {
        if (!g.lagNote.isEmpty() && (!g.lag || g.lagNote.contains(QLatin1String("before 7.0"))))
            add(QStringLiteral("lag-unknown"), Severity::Warning,
                QStringLiteral("the server reports no lag for %1: %2").arg(where, g.lagNote));
    }

    // trimmed-unread: exact with entries-read (7.0+); without it, from entries-added.
    {
        qint64 lost = 0;
        qint64 atMost = 0; // when lost is unknown: the tightest bound the figures allow
        bool trimmed = false;
        if (stream.firstEntryId && g.lastDeliveredId < *stream.firstEntryId
            && stream.lastGeneratedId > g.lastDeliveredId) {
            if (g.entriesRead && stream.entriesAdded) {
                lost = *stream.entriesAdded - *g.entriesRead - stream.length;
                trimmed = lost > 0;
            } else if (stream.entriesAdded) {
                // entries-read unknown (a group created at $ on 7.0): entries were lost only if
                // some were ever removed; how many, we know when the group had read nothing at
                // all. Otherwise at most those removed minus those the group was surely
                // delivered: its pending entries (all before the first entry, as is its
                // last-delivered-id, so all among the removed).
                const qint64 removed = *stream.entriesAdded - stream.length;
                trimmed = removed > 0;
                if (g.lastDeliveredId.isZero())
                    lost = removed;
                else
                    atMost = removed - g.pending;
                trimmed = trimmed && (lost > 0 || atMost > 0);
            }
        }
        const bool deletedAhead =
            stream.maxDeletedEntryId && *stream.maxDeletedEntryId > g.lastDeliveredId;
        if (trimmed || deletedAhead) {
            Finding &f = add(
                QStringLiteral("trimmed-unread"), Severity::Critical,
                QStringLiteral("%1 had not been delivered %2 that were "
                               "trimmed or deleted: they were never processed. "
                               "Trim with a limit the slowest group can keep up "
                               "with, or replay them from their source.")
                    .arg(where,
                         lost > 0 ? countOf(lost, "entry", "entries")
                         : atMost > 0
                             ? QStringLiteral("at most %1").arg(countOf(atMost, "entry", "entries"))
                             : QStringLiteral("some entries")));
            if (lost > 0)
                f.count = lost;
            else if (atMost > 0)
                f.atMost = atMost;
        }
    }

    // Rules that could not be evaluated say so: a rule left out is never "nothing found".
    auto notEvaluated = [&](const QStringList &rules, const QString &reason) {
        Finding &f = add(QStringLiteral("not-evaluated"), Severity::Warning,
                         QStringLiteral("%1 not evaluated for %2: %3")
                             .arg(rules.join(QLatin1String(", ")), where, reason));
        f.rules = rules;
        f.reason = reason;
    };
    if (!pending.notEvaluated.isEmpty())
        notEvaluated({QStringLiteral("stuck-entry"), QStringLiteral("poison-entry"),
                      QStringLiteral("dangling-pending")},
                     pending.notEvaluated);
    else if (!pending.missingUnknown.isEmpty())
        notEvaluated({QStringLiteral("dangling-pending")}, pending.missingUnknown);

    // dangling-pending
    if (!pending.missing.isEmpty()) {
        Finding &f =
            add(QStringLiteral("dangling-pending"), Severity::Warning,
                QStringLiteral("%1 of %2 refer to entries that no longer exist (first: "
                               "%3). Acknowledge them, or let XAUTOCLAIM (7.0+) remove "
                               "them.")
                    .arg(countOf(pending.missing.size(), "pending entry", "pending entries"), where,
                         pending.missing.first().toString()));
        f.entryId = pending.missing.first();
        f.count = pending.missing.size();
    }
    return out;
}

} // namespace streamscope
