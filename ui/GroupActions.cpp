#include "GroupActions.h"

#include "DeadLetter.h"
#include "RedisConnection.h"
#include "StreamPaging.h"

namespace streamscope {

GroupActionsWorker::GroupActionsWorker(ConnectionSettings settings)
    : m_settings(std::move(settings)) {
    m_settings.clientName = QStringLiteral("streamscope-actions");
}

GroupActionsWorker::~GroupActionsWorker() = default;

RedisConnection *GroupActionsWorker::connection(QString *error) {
    if (!m_connection)
        m_connection = std::make_unique<RedisConnection>(m_settings);
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
    RedisConnection *c = connection(&error);
    if (!c) {
        Q_EMIT pendingPage(request, {});
        Q_EMIT actionFinished(false, error);
        return;
    }
    auto page = fetchPending(*c, stream, group, start, count, minIdleMs, consumer);
    Q_EMIT pendingPage(request, page.ok() ? page.value() : PendingEntryList());
    if (!page.ok())
        Q_EMIT actionFinished(false, page.error().message);
}

void GroupActionsWorker::fetchEntry(const QByteArray &stream, const QByteArray &id) {
    QString error;
    RedisConnection *c = connection(&error);
    StreamEntryList found;
    if (c)
        c->commandEntries({"XRANGE", stream, id, id}, 0, &found, -1, stream);
    Q_EMIT entry(stream, id, found);
}

void GroupActionsWorker::fetchHistory(int request, const QByteArray &stream, int kind, quint64 ms,
                                      quint64 seq, int count) {
    QString error;
    RedisConnection *c = connection(&error);
    if (!c)
        return Q_EMIT historyPage(request, {}, error);
    auto page = fetchHistoryPage(*c, stream, PageStart{PageStart::Kind(kind), {ms, seq}}, count);
    Q_EMIT historyPage(request, page.ok() ? page.value() : StreamEntryList(),
                       page.ok() ? QString() : page.error().message);
}

void GroupActionsWorker::lookupKey(int request, const QList<QByteArray> &streams,
                                   const QByteArray &field, const QByteArray &value) {
    QString error;
    RedisConnection *c = connection(&error);
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
    RedisConnection *c = connection(&error);
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
    RedisConnection *c = connection(&error);
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
    RedisConnection *c = connection(&error);
    if (!c)
        return Q_EMIT actionFinished(false, error);
    int moved = 0;
    for (const QByteArray &id : ids) {
        auto pending = fetchPending(*c, stream, group, id, 1);
        if (!pending.ok())
            return Q_EMIT actionFinished(false, pending.error().message);
        if (pending->isEmpty() || pending->first().id.toByteArray() != id)
            continue; // acknowledged meanwhile
        StreamEntryList body;
        c->commandEntries({"XRANGE", stream, id, id}, 0, &body, -1, stream);
        StreamEntry e = body.isEmpty() ? StreamEntry() : body.first();
        e.stream = stream;
        e.id = StreamId::fromServer(id);
        e.deleted = body.isEmpty();
        auto result = streamscope::deadLetter(*c, {stream,
                                                   group,
                                                   e,
                                                   pending->first().deliveries,
                                                   tr("moved by a StreamScope user"),
                                                   pending->first().consumer,
                                                   {}});
        if (!result.ok())
            return Q_EMIT actionFinished(false, result.error().message);
        ++moved;
    }
    Q_EMIT actionFinished(
        true, tr("Moved %1 entries to %2:dlq.").arg(moved).arg(QString::fromUtf8(stream)));
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

} // namespace streamscope
