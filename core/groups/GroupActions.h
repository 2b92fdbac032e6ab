#pragma once

#include "AutoClient.h"
#include "ConnectionSettings.h"
#include "FlowHistory.h"
#include "GroupStatus.h"
#include "KeyLookup.h"
#include "Permissions.h"
#include "StreamEntry.h"
#include "Trim.h"

#include <QObject>
#include <QSet>
#include <QThread>

#include <atomic>
#include <functional>

#include <memory>
#include <optional>

namespace streamscope {

// Why the connected ACL user may not take an action that sends these commands, for the
// disabled control's tooltip ("" when it may, or when nobody could ask the server).
QString forbiddenReason(const Permissions &permissions,
                        std::initializer_list<const char *> commands);

// What the views ask of the server: history pages (browser), pending pages, entry bodies, and
// the repairs.
// Runs on its own thread with its own connection (read-only when the connection is), so the
// GUI never waits for the network; every answer comes back as a signal, by value.
class GroupActionsWorker : public QObject {
    Q_OBJECT
public:
    explicit GroupActionsWorker(ConnectionSettings settings);
    ~GroupActionsWorker() override;

    Q_SLOT void fetchPendingPage(int request, const QByteArray &stream, const QByteArray &group,
                                 const QByteArray &start, int count, qint64 minIdleMs,
                                 const QByteArray &consumer);
    Q_SLOT void fetchEntry(const QByteArray &stream, const QByteArray &id);
    // One page of history, newest first (see PageStart: kind, and the ID it starts from).
    Q_SLOT void fetchHistory(int request, const QByteArray &stream, int kind, quint64 ms,
                             quint64 seq, int count);
    // Acknowledges ids; the message says how many and, for those no longer pending, why (from
    // XPENDING before and after, never guessed). asShown: the entries as the view showed them
    // (consumer, idle time now), to say where one that went away was last delivered.
    Q_SLOT void ack(const QByteArray &stream, const QByteArray &group, const QList<QByteArray> &ids,
                    const streamscope::PendingEntryList &asShown = {});
    // Gives ids to consumer (XCLAIM, min idle 0); the message says as ack's does.
    Q_SLOT void claim(const QByteArray &stream, const QByteArray &group, const QByteArray &consumer,
                      const QList<QByteArray> &ids,
                      const streamscope::PendingEntryList &asShown = {});
    Q_SLOT void previewTrim(int request, const QByteArray &stream,
                            const streamscope::TrimSpec &spec);
    Q_SLOT void trim(const QByteArray &stream, const streamscope::TrimSpec &spec);
    Q_SLOT void deleteEntries(const QByteArray &stream, const QList<QByteArray> &ids);
    Q_SLOT void deadLetter(const QByteArray &stream, const QByteArray &group,
                           const QList<QByteArray> &ids);
    // Finds the entries whose field equals value in each stream (bounded, see lookupKey).
    Q_SLOT void lookupKey(int request, const QList<QByteArray> &streams, const QByteArray &field,
                          const QByteArray &value);
    // What the key of a stream holds now (TYPE: "stream", "none" when deleted, or another
    // type): why a group shown went away, destroyed or with its stream (streamChecked).
    Q_SLOT void checkStream(const QByteArray &stream);
    // The pending entries a repair of a finding covers (XPENDING [IDLE minIdleMs] - + count
    // [consumer]), for its confirmation to name them: answered by pendingFound (never by
    // pendingPage, whose request numbers belong to the pending list).
    Q_SLOT void findPending(int request, const QByteArray &stream, const QByteArray &group,
                            const QByteArray &consumer, qint64 minIdleMs, int count);
    // XAUTOCLAIM for consumer: up to count entries idle at least minIdleMs, from the start of the
    // pending list (bounded: a few calls at most); entries no longer in the stream leave the
    // pending list (7.0+), and the message says so.
    Q_SLOT void autoclaim(const QByteArray &stream, const QByteArray &group,
                          const QByteArray &consumer, qint64 minIdleMs, int count);
    // XGROUP DELCONSUMER: the message says how many pending entries left the pending list with it.
    Q_SLOT void deleteConsumer(const QByteArray &stream, const QByteArray &group,
                               const QByteArray &consumer);
    // XLEN (O(1)): how many entries the stream has, for "12 of 300 loaded; the stream has ...".
    Q_SLOT void fetchStreamLength(int request, const QByteArray &stream);
    // Counts the flows between two moments from history (bounded, see countFlowHistory);
    // cancelLookups stops it too.
    Q_SLOT void countFlows(int request, const streamscope::FlowConfig &config, qint64 fromMs,
                           qint64 toMs);

Q_SIGNALS:
    // error: the page could not be read (the page is then empty). Not an actionFinished: a
    // refused read is no action, and the panel reloads its list after each action.
    void pendingPage(int request, const streamscope::PendingEntryList &page, const QString &error);
    // found empty and no error: the server says the entry is gone; an error: it was not read.
    void entry(const QByteArray &stream, const QByteArray &id,
               const streamscope::StreamEntryList &found, const QString &error);
    void actionFinished(bool ok, const QString &message);
    void trimPreviewed(int request, const streamscope::TrimPreview &preview, const QString &error);
    void entriesDeleted(const QByteArray &stream, const QList<QByteArray> &ids);
    void historyPage(int request, const streamscope::StreamEntryList &page, const QString &error);
    void keyFound(int request, const streamscope::KeyLookupResult &result);
    // type: TYPE's answer ("" with error when it could not be asked).
    void streamChecked(const QByteArray &stream, const QByteArray &type, const QString &error);
    // findPending's answer; error: not read (entries then empty).
    void pendingFound(int request, const streamscope::PendingEntryList &entries,
                      const QString &error);
    // The outcome of a repair run through runTagged (actionFinished goes out as well).
    void repairFinished(int tag, bool ok, const QString &message);
    // The answer to fetchStreamLength: -1 with the error when it could not be read.
    void streamLength(int request, const QByteArray &stream, qint64 length, const QString &error);
    void flowsCounted(int request, const streamscope::FlowHistoryResult &result);

public:
    // Thread-safe: stops key lookups up to and including this request number.
    void cancelLookups(int upToRequest) { m_cancelLookupsUpTo = upToRequest; }
    // On the worker's thread: runs one repair (a call of a slot above) and answers its
    // actionFinished also as repairFinished(tag, ...), so that a view tells the outcome of its
    // own repairs from those other views asked for on the same worker.
    void runTagged(int tag, const std::function<void()> &repair);
    // Thread-safe: queues job to run on the worker's thread with the worker's connection
    // (nullptr and why when it cannot connect). For previews and repairs that live in core
    // functions (rewind, redrive): the job answers by its own queued call back to its caller,
    // by value, and must not touch the caller's objects on this thread.
    using Job = std::function<void(RedisClient *connection, const QString &error)>;
    void post(Job job);

private:
    RedisClient *connection(QString *error);
    // Whether a bounded read for request has been cancelled (cancelLookups), asked as it goes.
    std::function<bool()> cancelledAfter(int request) const;
    // Runs one repair command; on any failure says so (actionFinished) and returns nothing.
    std::optional<RedisReply> repair(const Command &command);
    // Which of ids the group's pending list holds now (XPENDING id id 1 each, one pipeline).
    // Nothing when it cannot say (too many ids, or the reply failed); sets *gone when the
    // server says the group or its stream no longer exists.
    std::optional<QSet<QByteArray>> pendingNow(RedisClient &c, const QByteArray &stream,
                                               const QByteArray &group,
                                               const QList<QByteArray> &ids, QString *gone);
    ConnectionSettings m_settings;
    std::unique_ptr<RedisClient> m_connection;
    std::atomic<int> m_cancelLookupsUpTo{0};
};

// Owns the worker's thread (an event loop: the slots run there, queued).
class GroupActions : public QObject {
    Q_OBJECT
public:
    explicit GroupActions(ConnectionSettings settings, QObject *parent = nullptr);
    ~GroupActions() override;
    GroupActionsWorker *worker() const { return m_worker; }

private:
    QThread *m_thread; // ends and deletes itself after us: a command under way is not waited for
    GroupActionsWorker *m_worker;
};

} // namespace streamscope
