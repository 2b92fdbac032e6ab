#pragma once

#include "ConnectionSettings.h"
#include "RedisClient.h"
#include "ReplyText.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <memory>

namespace streamscope {

// What became of one command typed in the console.
struct ConsoleReply {
    enum class Outcome {
        Reply,       // the server answered (text is the reply as redis-cli prints it)
        ServerError, // the server answered with an error reply ("(error) ERR ...")
        Failed,      // nothing came back: refused before sending (read-only, routing), or the
                     // connection failed; text says why
        TimedOut,    // no answer in time: the connection was dropped
        Cancelled,   // the user cancelled: the connection was dropped
    };
    int request = 0;
    Outcome outcome = Outcome::Reply;
    // What the transcript shows, as redis-cli would: the reply, "(error) why" when there is
    // none, "(cancelled) ..."; on a cluster, a command answered by every primary gives one part
    // per primary, each under "host:port:".
    QString text;
    bool truncated = false; // the reply was longer than what text shows (and text says so)
    qint64 elapsedMs = 0;
    int db = 0; // the database the console's connection uses after the command (SELECT)
};

// Why the console will not send a command: it would never end with one reply (MONITOR,
// SUBSCRIBE, a blocking read without a timeout) or would leave the connection unable to
// answer (CLIENT REPLY OFF, HELLO 3: the console reads RESP2). Empty when it may be sent.
QString consoleRefusal(const Command &args);

// How long to wait for a command's answer: defaultMs, or for a blocking command with a timeout
// (BLPOP k 30, XREAD BLOCK 30000 ...) that timeout plus defaultMs.
int consoleTimeoutMs(const Command &args, int defaultMs);

// The commands users reach for most, for completion when the server's COMMAND list cannot be
// read (an old server, an ACL user without +command, read-only mode).
QStringList builtInCommandNames();

// Runs the console's commands, one at a time, on its own thread with its own client (an
// AutoClient on the session's settings: routed on a cluster, read-only when the session is), so
// the GUI never waits for the network. Answers come back formatted (ReplyText), by value: a
// 20,000-entry reply is never copied to the GUI thread.
class ConsoleWorker : public QObject {
    Q_OBJECT
public:
    explicit ConsoleWorker(ConnectionSettings settings, ReplyTextLimits limits = {});
    ~ConsoleWorker() override;

    // timeoutMs < 0: the settings' command timeout.
    Q_SLOT void execute(int request, const QList<QByteArray> &args, int timeoutMs);
    // The server's command names (COMMAND LIST, or COMMAND on servers before 7.0), once.
    Q_SLOT void fetchCommandNames();

    // Thread-safe. Cancels request (under way or queued): the connection is dropped (the server
    // may still finish the command), and the next command opens a new one.
    void cancel(int request);
    // Thread-safe: cancels everything, now and queued (the console is going away).
    void cancelAll();

Q_SIGNALS:
    void replied(const streamscope::ConsoleReply &reply);
    // names upper-case, sorted; empty with error when the server did not give them.
    void commandNames(const QStringList &names, const QString &error);

private:
    RedisClient *client(Error *error);
    // A command on a cluster: routed by the client, or by the keys the server names (COMMAND
    // GETKEYS) for commands the client has no key table for; answered by every primary for
    // commands on one node's data (INFO, SCAN, DBSIZE), each answer under its node's name.
    std::vector<RedisClient::NodeReply> onCluster(RedisClient &c, const Command &args, int timeout);
    void noteDatabase(const Command &args, const RedisReply &reply);

    ConnectionSettings m_settings;
    ReplyTextLimits m_limits;
    std::unique_ptr<RedisClient> m_client;
    int m_db = 0;
    std::atomic<bool> m_cancel{false};
    std::atomic<int> m_current{0};
    std::atomic<int> m_cancelUpTo{0};
};

// Owns the console worker's thread (an event loop: execute() runs there, queued), as
// GroupActions does. Deleting it never waits: a command under way is cancelled, and the worker
// and its thread end in the background.
class ConsoleRunner : public QObject {
    Q_OBJECT
public:
    explicit ConsoleRunner(ConnectionSettings settings, ReplyTextLimits limits = {},
                           QObject *parent = nullptr);
    ~ConsoleRunner() override;
    ConsoleWorker *worker() const { return m_worker; }

    // Queues a command; returns its request number (for cancel and the reply).
    int run(const QList<QByteArray> &args, int timeoutMs);
    void cancel(int request) { m_worker->cancel(request); }
    void fetchCommandNames();

private:
    QThread *m_thread;
    ConsoleWorker *m_worker;
    int m_nextRequest = 0;
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ConsoleReply)
