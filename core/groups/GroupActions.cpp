#include "GroupActions.h"

#include "AutoClient.h"
#include "DeadLetter.h"
#include "StreamPaging.h"

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

void GroupActionsWorker::lookupKey(int request, const QList<QByteArray> &streams,
                                   const QByteArray &field, const QByteArray &value) {
    QString error;
    RedisClient *c = connection(&error);
    KeyLookupResult result;
    if (c) {
        KeyLookupOptions options;
        options.stop = [this, request] { return request <= m_cancelLookupsUpTo; };
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

void GroupActionsWorker::ack(const QByteArray &stream, const QByteArray &group,
                             const QList<QByteArray> &ids) {
    if (auto reply = repair(Command{"XACK", stream, group} + ids))
        Q_EMIT actionFinished(
            true, tr("Acknowledged %1 of %2 entries.").arg(reply->integer()).arg(ids.size()));
}

void GroupActionsWorker::claim(const QByteArray &stream, const QByteArray &group,
                               const QByteArray &consumer, const QList<QByteArray> &ids) {
    if (auto reply =
            repair(Command{"XCLAIM", stream, group, consumer, "0"} + ids + Command{"JUSTID"}))
        Q_EMIT actionFinished(
            true,
            tr("Claimed %1 entries for %2.").arg(reply->size()).arg(QString::fromUtf8(consumer)));
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
        Q_EMIT actionFinished(
            true,
            tr("Trimmed %1 entries from %2.").arg(reply->integer()).arg(QString::fromUtf8(stream)));
}

void GroupActionsWorker::deleteEntries(const QByteArray &stream, const QList<QByteArray> &ids) {
    if (auto reply = repair(Command{"XDEL", stream} + ids)) {
        Q_EMIT entriesDeleted(stream, ids);
        Q_EMIT actionFinished(true, tr("Deleted %1 of %2 entries from %3.")
                                        .arg(reply->integer())
                                        .arg(ids.size())
                                        .arg(QString::fromUtf8(stream)));
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
        QString text = tr("Moved %1 entries to %2:dlq.").arg(moved).arg(QString::fromUtf8(stream));
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

void GroupActionsWorker::countFlows(int request, const FlowConfig &config, qint64 fromMs,
                                    qint64 toMs) {
    QString error;
    RedisClient *c = connection(&error);
    FlowHistoryResult result;
    if (c) {
        FlowHistoryOptions options;
        options.stop = [this, request] { return request <= m_cancelLookupsUpTo; };
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
