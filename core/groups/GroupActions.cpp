#include "GroupActions.h"

#include "AutoClient.h"
#include "DeadLetter.h"
#include "StreamPaging.h"
#include "Wording.h"

namespace streamscope {

QString forbiddenReason(const Permissions &permissions,
                        std::initializer_list<const char *> commands) {
    if (!permissions.probed)
        return {};
    for (const char *command : commands) {
        if (permissions.allows(command))
            continue;
        // The server's reason names the user, the command and the rule to add.
        const QString why = permissions.whyNot(command);
        return why.isEmpty() ? QObject::tr("Not allowed: the ACL user \"%1\" may not run %2")
                                   .arg(permissions.user, QString::fromLatin1(command))
                             : QObject::tr("Not allowed: %1").arg(why);
    }
    return {};
}

GroupActionsWorker::GroupActionsWorker(ConnectionSettings settings)
    : m_settings(std::move(settings)) {
    m_settings.clientName = QStringLiteral("streamscope-actions");
}

GroupActionsWorker::~GroupActionsWorker() = default;

RedisClient *GroupActionsWorker::connection(QString *error) {
    if (!m_connection)
        m_connection = std::make_unique<AutoClient>(m_settings);
    if (!m_connection->isOpen())
        if (Error e = m_connection->open()) {
            *error = e.message;
            return nullptr;
        }
    return m_connection.get();
}

void GroupActionsWorker::fetchPendingPage(int request, const QByteArray &stream,
                                          const QByteArray &group, const QByteArray &start,
                                          int count, qint64 minIdleMs, const QByteArray &consumer) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c) {
        Q_EMIT pendingPage(request, {}, error);
        return;
    }
    auto page = fetchPending(*c, stream, group, start, count, minIdleMs, consumer);
    Q_EMIT pendingPage(request, page.ok() ? page.value() : PendingEntryList(),
                       page.ok() ? QString() : page.error().message);
}

void GroupActionsWorker::fetchEntry(const QByteArray &stream, const QByteArray &id) {
    QString error;
    RedisClient *c = connection(&error);
    StreamEntryList found;
    if (c) {
        auto reply = c->commandEntries({"XRANGE", stream, id, id}, 0, &found, -1, stream);
        if (!reply.ok())
            error = reply.error().message;
        else if (reply->isError())
            error = QStringLiteral("XRANGE: %1").arg(reply->errorMessage());
    }
    Q_EMIT entry(stream, id, error.isEmpty() ? found : StreamEntryList(), error);
}

void GroupActionsWorker::fetchHistory(int request, const QByteArray &stream, int kind, quint64 ms,
                                      quint64 seq, int count) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT historyPage(request, {}, error);
    auto page = fetchHistoryPage(*c, stream, PageStart{PageStart::Kind(kind), {ms, seq}}, count);
    Q_EMIT historyPage(request, page.ok() ? page.value() : StreamEntryList(),
                       page.ok() ? QString() : page.error().message);
}

std::function<bool()> GroupActionsWorker::cancelledAfter(int request) const {
    return [this, request] { return request <= m_cancelLookupsUpTo; };
}

void GroupActionsWorker::lookupKey(int request, const QList<QByteArray> &streams,
                                   const QByteArray &field, const QByteArray &value) {
    QString error;
    RedisClient *c = connection(&error);
    KeyLookupResult result;
    if (c) {
        KeyLookupOptions options;
        options.stop = cancelledAfter(request);
        result = streamscope::lookupKey(*c, streams, field, value, options);
    } else {
        result.field = field;
        result.value = value;
        for (const QByteArray &s : streams)
            result.streams.append({s, {}, 0, false, std::nullopt, error});
    }
    Q_EMIT keyFound(request, result);
}

std::optional<RedisReply> GroupActionsWorker::repair(const Command &command) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c) {
        Q_EMIT actionFinished(false, error);
        return std::nullopt;
    }
    auto reply = c->command(command);
    if (!reply.ok() || reply->isError()) {
        Q_EMIT actionFinished(false, reply.ok() ? reply->errorMessage() : reply.error().message);
        return std::nullopt;
    }
    return reply.value();
}

namespace {

// The most entries whose pending state is asked for one by one before an action (a pipeline of
// one XPENDING each): enough for any selection made by hand.
constexpr qsizetype maxChecked = 1000;

// "1 was no longer pending (acknowledged meanwhile ...; last delivered to payments-1 12 s ago)"
QString notPendingText(qint64 count, const QList<QByteArray> &ids, const PendingEntryList &asShown,
                       const QString &why) {
    QStringList seen;
    for (const QByteArray &id : ids) {
        if (seen.size() == 3)
            break;
        for (const PendingEntry &p : asShown)
            if (p.id.toByteArray() == id) {
                const QString where =
                    QObject::tr("last delivered to %1 %2 ago")
                        .arg(QString::fromUtf8(p.consumer), formatDuration(p.idleMs));
                seen << (count == 1 ? where : QString::fromLatin1(id) + QLatin1Char(' ') + where);
                break;
            }
    }
    QString details = why;
    if (!seen.isEmpty())
        details += QStringLiteral("; ") + seen.join(QStringLiteral(", "))
                   + (ids.size() > seen.size() && count > 1 ? QStringLiteral(", ...") : QString());
    return QObject::tr("%1 %2 no longer pending (%3)")
        .arg(formatCount(count), count == 1 ? QStringLiteral("was") : QStringLiteral("were"),
             details);
}

} // namespace

std::optional<QSet<QByteArray>>
GroupActionsWorker::pendingNow(RedisClient &c, const QByteArray &stream, const QByteArray &group,
                               const QList<QByteArray> &ids, QString *gone) {
    if (ids.size() > maxChecked)
        return std::nullopt;
    QList<Command> asks;
    for (const QByteArray &id : ids)
        asks.append({"XPENDING", stream, group, id, id, "1"});
    auto replies = c.pipeline(asks);
    if (!replies.ok())
        return std::nullopt;
    QSet<QByteArray> pending;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const RedisReply &r = replies.value()[size_t(i)];
        if (r.isError()) {
            if (r.errorMessage().startsWith(QLatin1String("NOGROUP")))
                *gone = r.errorMessage();
            return std::nullopt;
        }
        if (r.isArray() && r.size() > 0)
            pending.insert(ids.at(i));
    }
    return pending;
}

void GroupActionsWorker::ack(const QByteArray &stream, const QByteArray &group,
                             const QList<QByteArray> &ids, const PendingEntryList &asShown) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT actionFinished(false, error);
    QString gone;
    const std::optional<QSet<QByteArray>> before = pendingNow(*c, stream, group, ids, &gone);
    if (!gone.isEmpty()) // XACK would answer 0 and say nothing
        return Q_EMIT actionFinished(
            false, tr("Nothing acknowledged: the group %1 of %2 no longer exists (destroyed, or "
                      "the stream was deleted): %3")
                       .arg(QString::fromUtf8(group), QString::fromUtf8(stream), gone));
    auto reply = repair(Command{"XACK", stream, group} + ids);
    if (!reply)
        return;
    const qint64 acked = reply->integer();
    const qint64 asked = ids.size();
    if (acked == asked)
        return Q_EMIT actionFinished(
            true, tr("Acknowledged %1.").arg(countOf(acked, "entry", "entries")));
    QList<QByteArray> notPending;
    if (before)
        for (const QByteArray &id : ids)
            if (!before->contains(id))
                notPending.append(id);
    // An entry still pending when asked can be acknowledged by someone else before our XACK:
    // it counts among those no longer pending, without its ID.
    Q_EMIT actionFinished(
        true, tr("Acknowledged %1 of %2: %3.")
                  .arg(formatCount(acked), countOf(asked, "entry", "entries"),
                       notPendingText(asked - acked, notPending, asShown,
                                      tr("acknowledged meanwhile, or its consumer deleted"))));
}

void GroupActionsWorker::claim(const QByteArray &stream, const QByteArray &group,
                               const QByteArray &consumer, const QList<QByteArray> &ids,
                               const PendingEntryList &asShown) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT actionFinished(false, error);
    QString gone;
    const std::optional<QSet<QByteArray>> before = pendingNow(*c, stream, group, ids, &gone);
    if (!gone.isEmpty())
        return Q_EMIT actionFinished(
            false, tr("Nothing claimed: the group %1 of %2 no longer exists (destroyed, or the "
                      "stream was deleted): %3")
                       .arg(QString::fromUtf8(group), QString::fromUtf8(stream), gone));
    auto reply = repair(Command{"XCLAIM", stream, group, consumer, "0"} + ids + Command{"JUSTID"});
    if (!reply)
        return;
    QSet<QByteArray> claimed;
    for (const RedisReply &r : reply->elements())
        claimed.insert(r.bytes());
    const qint64 asked = ids.size();
    const QString who = QString::fromUtf8(consumer);
    if (claimed.size() == asked)
        return Q_EMIT actionFinished(
            true, tr("Claimed %1 for %2.").arg(countOf(asked, "entry", "entries"), who));
    // Not claimed: not pending before (acknowledged meanwhile), or pending but its entry gone
    // from the stream (the server then drops it from the pending list: 7.0+), as XPENDING after
    // the claim tells.
    QList<QByteArray> notPending, dropped, other;
    for (const QByteArray &id : ids)
        if (!claimed.contains(id)) {
            if (before && !before->contains(id))
                notPending.append(id);
            else
                other.append(id);
        }
    QString unused;
    const std::optional<QSet<QByteArray>> after =
        other.isEmpty() ? QSet<QByteArray>() : pendingNow(*c, stream, group, other, &unused);
    qint64 stillPending = 0;
    if (after)
        for (const QByteArray &id : std::as_const(other))
            after->contains(id) ? void(++stillPending) : dropped.append(id);
    QStringList why;
    const qint64 unknown =
        asked - claimed.size() - notPending.size() - dropped.size() - stillPending;
    if (!notPending.isEmpty() || unknown > 0)
        why << notPendingText(notPending.size() + unknown, notPending, asShown,
                              tr("acknowledged meanwhile, or its consumer deleted"));
    if (!dropped.isEmpty())
        why << tr("%1 no longer in the stream (trimmed or deleted): the server dropped %2 from "
                  "the pending list")
                   .arg(countOf(dropped.size(), "was", "were"),
                        dropped.size() == 1 ? tr("it") : tr("them"));
    if (stillPending > 0)
        why << tr("%1 still pending but not claimed (the server did not say why)")
                   .arg(countOf(stillPending, "is", "are"));
    Q_EMIT actionFinished(true,
                          tr("Claimed %1 of %2 for %3: %4.")
                              .arg(formatCount(claimed.size()), countOf(asked, "entry", "entries"),
                                   who, why.join(QStringLiteral("; "))));
}

void GroupActionsWorker::previewTrim(int request, const QByteArray &stream, const TrimSpec &spec) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT trimPreviewed(request, {}, error);
    auto preview = streamscope::previewTrim(*c, stream, spec, fetchServerVersion(*c));
    Q_EMIT trimPreviewed(request, preview.ok() ? preview.value() : TrimPreview(),
                         preview.ok() ? QString() : preview.error().message);
}

void GroupActionsWorker::trim(const QByteArray &stream, const TrimSpec &spec) {
    if (auto reply = repair(spec.command(stream)))
        Q_EMIT actionFinished(true, tr("Trimmed %1 from %2.")
                                        .arg(countOf(reply->integer(), "entry", "entries"),
                                             QString::fromUtf8(stream)));
}

void GroupActionsWorker::deleteEntries(const QByteArray &stream, const QList<QByteArray> &ids) {
    if (auto reply = repair(Command{"XDEL", stream} + ids)) {
        Q_EMIT entriesDeleted(stream, ids);
        Q_EMIT actionFinished(true, tr("Deleted %1 of %2 from %3.")
                                        .arg(formatCount(reply->integer()),
                                             countOf(ids.size(), "entry", "entries"),
                                             QString::fromUtf8(stream)));
    }
}

void GroupActionsWorker::deadLetter(const QByteArray &stream, const QByteArray &group,
                                    const QList<QByteArray> &ids) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT actionFinished(false, error);
    int moved = 0, deleted = 0, notPending = 0;
    // Says what was done before the failure too: entries moved so far stay moved.
    auto done = [&] {
        QString text = tr("Moved %1 to %2:dlq.")
                           .arg(countOf(moved, "entry", "entries"), QString::fromUtf8(stream));
        if (deleted)
            text += QLatin1Char(' ')
                    + tr("%1 of them no longer existed in the stream (the server returned no "
                         "entry): only their record was moved, without a body.")
                          .arg(deleted);
        if (notPending)
            text += QLatin1Char(' ')
                    + tr("%1 were no longer pending: nothing was done with them.").arg(notPending);
        return text;
    };
    for (const QByteArray &id : ids) {
        auto result = deadLetterPending(*c, stream, group, id, tr("moved by a StreamScope user"));
        if (!result.ok())
            return Q_EMIT actionFinished(false,
                                         moved ? result.error().message + QLatin1Char(' ') + done()
                                               : result.error().message);
        switch (result->kind) {
        case DeadLetterOutcome::Kind::NotPending:
            ++notPending;
            break;
        case DeadLetterOutcome::Kind::MovedDeleted:
            ++deleted;
            ++moved;
            break;
        case DeadLetterOutcome::Kind::Moved:
            ++moved;
            break;
        }
    }
    Q_EMIT actionFinished(true, done());
}

void GroupActionsWorker::checkStream(const QByteArray &stream) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT streamChecked(stream, {}, error);
    auto reply = c->command({"TYPE", stream});
    if (!reply.ok())
        return Q_EMIT streamChecked(stream, {}, reply.error().message);
    if (reply->isError())
        return Q_EMIT streamChecked(stream, {}, reply->errorMessage());
    Q_EMIT streamChecked(stream, reply->bytes(), {});
}

void GroupActionsWorker::findPending(int request, const QByteArray &stream, const QByteArray &group,
                                     const QByteArray &consumer, qint64 minIdleMs, int count) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT pendingFound(request, {}, error);
    auto found = fetchPending(*c, stream, group, "-", count, minIdleMs, consumer);
    Q_EMIT pendingFound(request, found.ok() ? found.value() : PendingEntryList(),
                        found.ok() ? QString() : found.error().message);
}

void GroupActionsWorker::autoclaim(const QByteArray &stream, const QByteArray &group,
                                   const QByteArray &consumer, qint64 minIdleMs, int count) {
    QByteArray cursor = "0-0";
    qint64 claimed = 0, gone = 0;
    // Each call looks at up to 10 x COUNT pending entries: a few calls cover any list we would
    // want to claim from at once, and the loop ends even if others keep adding entries.
    for (int call = 0; call < 10 && claimed < count; ++call) {
        auto reply = repair({"XAUTOCLAIM", stream, group, consumer, QByteArray::number(minIdleMs),
                             cursor, "COUNT", QByteArray::number(count - claimed), "JUSTID"});
        if (!reply)
            return; // said (actionFinished); what earlier calls claimed stays claimed
        if (!reply->isArray() || reply->size() < 2)
            return Q_EMIT actionFinished(false, tr("XAUTOCLAIM gave an unexpected answer."));
        cursor = reply->at(0).bytes();
        claimed += qint64(reply->at(1).size());
        if (reply->size() >= 3)
            gone += qint64(reply->at(2).size());
        if (cursor == "0-0")
            break;
    }
    QString text =
        tr("Claimed %1 idle for at least %2 for %3 (group %4 on %5).")
            .arg(countOf(claimed, "entry", "entries"),
                 minIdleMs < 1000 ? QStringLiteral("%1 ms").arg(minIdleMs)
                                  : formatDuration(minIdleMs),
                 QString::fromUtf8(consumer), QString::fromUtf8(group), QString::fromUtf8(stream));
    if (gone)
        text += QLatin1Char(' ')
                + tr("%1 no longer in the stream left the pending list.")
                      .arg(countOf(gone, "entry", "entries"));
    Q_EMIT actionFinished(true, text);
}

void GroupActionsWorker::deleteConsumer(const QByteArray &stream, const QByteArray &group,
                                        const QByteArray &consumer) {
    auto reply = repair({"XGROUP", "DELCONSUMER", stream, group, consumer});
    if (!reply)
        return;
    const qint64 held = reply->integer();
    Q_EMIT actionFinished(
        true,
        tr("Deleted consumer %1 from group %2 on %3; %4")
            .arg(QString::fromUtf8(consumer), QString::fromUtf8(group), QString::fromUtf8(stream),
                 held ? tr("its %1 left the pending list unacknowledged.")
                            .arg(countOf(held, "pending entry", "pending entries"))
                      : tr("it held no pending entries.")));
}

void GroupActionsWorker::post(Job job) {
    QMetaObject::invokeMethod(
        this,
        [this, job = std::move(job)] {
            QString error;
            RedisClient *c = connection(&error);
            job(c, error);
        },
        Qt::QueuedConnection);
}

void GroupActionsWorker::runTagged(int tag, const std::function<void()> &repair) {
    bool answered = false;
    // Direct: the repair emits actionFinished on this thread, before it returns.
    const QMetaObject::Connection c = connect(
        this, &GroupActionsWorker::actionFinished, this,
        [this, tag, &answered](bool ok, const QString &message) {
            if (!answered)
                Q_EMIT repairFinished(tag, ok, message);
            answered = true;
        },
        Qt::DirectConnection);
    repair();
    disconnect(c);
    if (!answered)
        Q_EMIT repairFinished(tag, false, tr("The repair ended without saying what it did."));
}

GroupActions::GroupActions(ConnectionSettings settings, QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
    , m_worker(new GroupActionsWorker(std::move(settings))) {
    qRegisterMetaType<PendingEntryList>();
    qRegisterMetaType<TrimSpec>();
    qRegisterMetaType<TrimPreview>();
    qRegisterMetaType<QList<QByteArray>>();
    m_thread->setObjectName(QStringLiteral("streamscope-actions"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // The GUI never waits on the network: a command under way (to a server that may not
    // answer) ends in the background, then the worker and the thread go.
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    m_thread->start();
}

GroupActions::~GroupActions() {
    // Nothing the old worker says reaches the views any more.
    QObject::disconnect(m_worker, nullptr, nullptr, nullptr);
    m_thread->quit();
}

void GroupActionsWorker::fetchStreamLength(int request, const QByteArray &stream) {
    QString error;
    RedisClient *c = connection(&error);
    if (!c)
        return Q_EMIT streamLength(request, stream, -1, error);
    auto reply = c->command({"XLEN", stream});
    if (!reply.ok())
        return Q_EMIT streamLength(request, stream, -1, reply.error().message);
    if (reply->isError())
        return Q_EMIT streamLength(request, stream, -1,
                                   QStringLiteral("XLEN: %1").arg(reply->errorMessage()));
    Q_EMIT streamLength(request, stream, reply->integer(), {});
}

void GroupActionsWorker::countFlows(int request, const FlowConfig &config, qint64 fromMs,
                                    qint64 toMs) {
    QString error;
    RedisClient *c = connection(&error);
    FlowHistoryResult result;
    if (c) {
        FlowHistoryOptions options;
        options.stop = cancelledAfter(request);
        result = countFlowHistory(*c, config, fromMs, toMs, options);
    } else {
        result.config = config;
        result.fromMs = fromMs;
        result.toMs = result.countedToMs = toMs;
        result.error = error;
    }
    Q_EMIT flowsCounted(request, result);
}

} // namespace streamscope
