#include "ConsoleWorker.h"

#include "AutoClient.h"
#include "ClusterSlots.h"
#include "Wording.h"

#include <QSet>

#include <algorithm>
#include <climits>
#include <cmath>

namespace streamscope {

namespace {

// The console keeps at most this much of one reply in memory, whatever the connection allows:
// what it shows is bounded anyway (ReplyText), and a reply has to be read whole to be shown.
constexpr qint64 consoleMaxReplyBytes = qint64(64) * 1024 * 1024;

QString name(const Command &args) {
    return QString::fromUtf8(args.value(0).toUpper());
}

// A blocking command's own timeout in ms: -1 when the command does not block, 0 when it
// blocks for ever, and std::nullopt when its timeout does not parse (the server says so).
std::optional<qint64> blockingMs(const Command &args) {
    const QByteArray verb = args.value(0).toUpper();
    auto seconds = [](const QByteArray &text) -> std::optional<qint64> {
        bool ok = false;
        const double s = text.toDouble(&ok);
        if (!ok || !std::isfinite(s) || s < 0)
            return std::nullopt;
        return qint64(std::ceil(std::min(s, 1e9) * 1000));
    };
    auto millis = [](const QByteArray &text) -> std::optional<qint64> {
        bool ok = false;
        const qint64 ms = text.toLongLong(&ok);
        if (!ok || ms < 0)
            return std::nullopt;
        return ms;
    };
    static const QSet<QByteArray> lastSeconds{"BLPOP",    "BRPOP",  "BZPOPMIN",
                                              "BZPOPMAX", "BLMOVE", "BRPOPLPUSH"};
    if (lastSeconds.contains(verb))
        return args.size() > 2 ? seconds(args.last()) : std::nullopt;
    if (verb == "BLMPOP" || verb == "BZMPOP")
        return args.size() > 1 ? seconds(args.at(1)) : std::nullopt;
    if (verb == "WAIT" || verb == "WAITAOF") {
        // Waiting for no replica (and no local fsync) returns at once, whatever the timeout.
        const bool nothing =
            verb == "WAIT" ? args.value(1) == "0" : args.value(1) == "0" && args.value(2) == "0";
        if (nothing)
            return -1;
        return args.size() > 2 ? millis(args.last()) : std::nullopt;
    }
    if (verb == "XREAD" || verb == "XREADGROUP") {
        for (qsizetype i = 1; i + 1 < args.size(); ++i) {
            const QByteArray word = args.at(i).toUpper();
            if (word == "STREAMS")
                break;
            if (word == "BLOCK")
                return millis(args.at(i + 1));
        }
    }
    return -1;
}

} // namespace

QString consoleRefusal(const Command &args) {
    if (args.isEmpty())
        return {};
    const QByteArray verb = args.first().toUpper();
    const QString shown = name(args);
    if (verb == "MONITOR")
        return QObject::tr("MONITOR streams every command the server runs until the connection "
                           "closes, and the console shows one reply per command: run "
                           "\"redis-cli monitor\" in a terminal instead (it slows a busy server).");
    if (verb == "SUBSCRIBE" || verb == "PSUBSCRIBE" || verb == "SSUBSCRIBE")
        return QObject::tr("%1 waits for messages for ever, and the console shows one reply per "
                           "command: use redis-cli in a terminal to listen, or PUBSUB CHANNELS "
                           "and PUBSUB NUMSUB to see who publishes and listens.")
            .arg(shown);
    if (verb == "SYNC" || verb == "PSYNC")
        return QObject::tr("%1 starts replication: the server would send its whole data set and "
                           "then every write, for ever. It is not sent from the console.")
            .arg(shown);
    if (verb == "CLIENT" && args.size() > 2 && args.at(1).toUpper() == "REPLY"
        && args.at(2).toUpper() != "ON")
        return QObject::tr("CLIENT REPLY %1 would stop the server from answering the console, "
                           "which then could not tell a reply from silence.")
            .arg(QString::fromUtf8(args.at(2).toUpper()));
    if (verb == "HELLO" && args.size() > 1 && args.at(1) != "2")
        return QObject::tr("The console reads RESP2 replies: HELLO 2 (or HELLO with no version) "
                           "works, HELLO %1 would switch this connection to replies it cannot "
                           "read.")
            .arg(QString::fromUtf8(args.at(1)));
    const std::optional<qint64> block = blockingMs(args);
    if (block && *block == 0) {
        if (verb == "XREAD" || verb == "XREADGROUP")
            return QObject::tr("%1 with BLOCK 0 waits for ever for a new entry: give BLOCK a "
                               "time in milliseconds (e.g. BLOCK 5000); the Live tab follows new "
                               "entries without one.")
                .arg(shown);
        if (verb == "WAIT" || verb == "WAITAOF")
            return QObject::tr("%1 with timeout 0 waits for ever for the replicas: give a "
                               "timeout in milliseconds (e.g. %1 1 5000).")
                .arg(shown);
        // The same command with 5 s: what to type instead.
        Command example = args;
        example[verb == "BLMPOP" || verb == "BZMPOP" ? 1 : example.size() - 1] = "5";
        return QObject::tr("%1 with timeout 0 waits for ever for an element: give a timeout in "
                           "seconds instead, e.g. %2")
            .arg(shown, QString::fromUtf8(example.join(' ')));
    }
    return {};
}

int consoleTimeoutMs(const Command &args, int defaultMs) {
    const std::optional<qint64> block = blockingMs(args);
    if (!block || *block <= 0)
        return defaultMs;
    return int(std::min<qint64>(*block + defaultMs, INT_MAX));
}

QStringList builtInCommandNames() {
    static const QStringList names = [] {
        QStringList list{
            "ACL",        "APPEND",  "AUTH",          "BGREWRITEAOF", "BGSAVE",     "BITCOUNT",
            "BITFIELD",   "BITOP",   "BITPOS",        "BLMOVE",       "BLMPOP",     "BLPOP",
            "BRPOP",      "BZMPOP",  "BZPOPMAX",      "BZPOPMIN",     "CLIENT",     "CLUSTER",
            "COMMAND",    "CONFIG",  "COPY",          "DBSIZE",       "DECR",       "DECRBY",
            "DEL",        "DISCARD", "DUMP",          "ECHO",         "EVAL",       "EVALSHA",
            "EXEC",       "EXISTS",  "EXPIRE",        "EXPIREAT",     "EXPIRETIME", "FCALL",
            "FUNCTION",   "GEOADD",  "GEODIST",       "GEOPOS",       "GEOSEARCH",  "GET",
            "GETDEL",     "GETEX",   "GETRANGE",      "HDEL",         "HELLO",      "HEXISTS",
            "HGET",       "HGETALL", "HINCRBY",       "HKEYS",        "HLEN",       "HMGET",
            "HRANDFIELD", "HSCAN",   "HSET",          "HSETNX",       "HSTRLEN",    "HVALS",
            "INCR",       "INCRBY",  "INCRBYFLOAT",   "INFO",         "LASTSAVE",   "LATENCY",
            "LINDEX",     "LINSERT", "LLEN",          "LMOVE",        "LMPOP",      "LPOP",
            "LPOS",       "LPUSH",   "LRANGE",        "LREM",         "LSET",       "LTRIM",
            "MEMORY",     "MGET",    "MSET",          "MULTI",        "OBJECT",     "PERSIST",
            "PEXPIRE",    "PFADD",   "PFCOUNT",       "PING",         "PSETEX",     "PTTL",
            "PUBLISH",    "PUBSUB",  "RANDOMKEY",     "RENAME",       "RESET",      "RPOP",
            "RPUSH",      "SADD",    "SCAN",          "SCARD",        "SCRIPT",     "SDIFF",
            "SELECT",     "SET",     "SETEX",         "SETNX",        "SETRANGE",   "SINTER",
            "SISMEMBER",  "SLOWLOG", "SMEMBERS",      "SMOVE",        "SPOP",       "SRANDMEMBER",
            "SREM",       "SSCAN",   "STRLEN",        "SUNION",       "TIME",       "TOUCH",
            "TTL",        "TYPE",    "UNLINK",        "UNWATCH",      "WAIT",       "WATCH",
            "XACK",       "XADD",    "XAUTOCLAIM",    "XCLAIM",       "XDEL",       "XGROUP",
            "XINFO",      "XLEN",    "XPENDING",      "XRANGE",       "XREAD",      "XREADGROUP",
            "XREVRANGE",  "XSETID",  "XTRIM",         "ZADD",         "ZCARD",      "ZCOUNT",
            "ZINCRBY",    "ZRANGE",  "ZRANGEBYSCORE", "ZRANK",        "ZREM",       "ZREVRANGE",
            "ZREVRANK",   "ZSCAN",   "ZSCORE",        "ZUNIONSTORE"};
        list.sort();
        return list;
    }();
    return names;
}

ConsoleWorker::ConsoleWorker(ConnectionSettings settings, ReplyTextLimits limits)
    : m_settings(std::move(settings))
    , m_limits(limits)
    , m_db(m_settings.db) {
    m_settings.clientName = QStringLiteral("streamscope-console");
}

ConsoleWorker::~ConsoleWorker() = default;

void ConsoleWorker::cancel(int request) {
    int upTo = m_cancelUpTo.load();
    while (upTo < request && !m_cancelUpTo.compare_exchange_weak(upTo, request)) {
    }
    if (m_current.load() == request)
        m_cancel = true;
}

void ConsoleWorker::cancelAll() {
    m_cancelUpTo = INT_MAX;
    m_cancel = true;
}

RedisClient *ConsoleWorker::client(Error *error) {
    // After a SELECT the connection that replaces a dropped one uses the selected database too.
    if (!m_client || (!m_client->isOpen() && m_client->settings().db != m_db)) {
        ConnectionSettings settings = m_settings;
        settings.db = m_db;
        auto client = std::make_unique<AutoClient>(settings);
        client->setCancelFlag(&m_cancel);
        client->setMaxReplyBytes(std::min(settings.maxReplyBytes, consoleMaxReplyBytes));
        m_client = std::move(client);
    }
    if (!m_client->isOpen())
        if (Error e = m_client->open()) {
            *error = e;
            return nullptr;
        }
    return m_client.get();
}

void ConsoleWorker::noteDatabase(const Command &args, const RedisReply &reply) {
    const QByteArray verb = args.value(0).toUpper();
    if (verb == "SELECT" && args.size() == 2 && reply.isStatus()) {
        bool ok = false;
        const int db = args.at(1).toInt(&ok);
        if (ok)
            m_db = db;
    } else if (verb == "RESET" && reply.isStatus()) {
        m_db = 0;
    }
}

void ConsoleWorker::execute(int request, const QList<QByteArray> &args, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    ConsoleReply out;
    out.request = request;
    // See cancel(): a request cancelled before it started is never sent.
    m_current = request;
    m_cancel = false;
    if (request <= m_cancelUpTo.load()) {
        out.outcome = ConsoleReply::Outcome::Cancelled;
        out.text = QStringLiteral("(cancelled) ") + tr("cancelled before it was sent");
        out.db = m_db;
        Q_EMIT replied(out);
        return;
    }
    const int timeout = timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs;

    Error error;
    std::vector<RedisClient::NodeReply> answers;
    if (RedisClient *c = client(&error)) {
        if (c->topology() == RedisClient::Topology::Cluster)
            answers = onCluster(*c, args, timeout);
        else
            answers.push_back({QString(), c->command(args, timeout)});
    } else {
        answers.push_back({QString(), error}); // a cancel while connecting is a cancel too
    }
    out.elapsedMs = clock.elapsed();
    m_current = 0;

    QStringList parts;
    bool anyServerError = false;
    for (const RedisClient::NodeReply &answer : answers) {
        QString text;
        if (!answer.reply.ok()) {
            const Error &e = answer.reply.error();
            if (e.kind == Error::Kind::Cancelled) {
                out.outcome = ConsoleReply::Outcome::Cancelled;
                // (formatDuration says "0 s" under a second.)
                text = QStringLiteral("(cancelled) ")
                       + (out.elapsedMs >= 1000
                              ? tr("cancelled after %1").arg(formatDuration(out.elapsedMs))
                              : tr("cancelled"))
                       + tr(": the connection was closed (the server may still finish the "
                            "command); the next command opens a new one");
            } else if (e.kind == Error::Kind::Timeout) {
                if (out.outcome != ConsoleReply::Outcome::Cancelled)
                    out.outcome = ConsoleReply::Outcome::TimedOut;
                text = QStringLiteral("(error) ")
                       + tr("no answer within %1 (%2): the connection was closed (the server "
                            "may still finish the command); the next command opens a new one")
                             .arg(formatDuration(timeout), e.message);
            } else {
                if (out.outcome == ConsoleReply::Outcome::Reply)
                    out.outcome = ConsoleReply::Outcome::Failed;
                text = QStringLiteral("(error) ") + e.message;
            }
        } else {
            const RedisReply &reply = answer.reply.value();
            anyServerError = anyServerError || reply.isError();
            if (answer.endpoint.isEmpty())
                noteDatabase(args, reply);
            ReplyText formatted = formatReply(reply, m_limits);
            out.truncated = out.truncated || formatted.truncated;
            text = formatted.text;
        }
        parts << (answer.endpoint.isEmpty() ? text
                                            : answer.endpoint + QStringLiteral(":\n") + text);
    }
    if (out.outcome == ConsoleReply::Outcome::Reply && anyServerError)
        out.outcome = ConsoleReply::Outcome::ServerError;
    out.text = parts.join(QLatin1Char('\n'));
    out.db = m_db;
    Q_EMIT replied(out);
}

std::vector<RedisClient::NodeReply> ConsoleWorker::onCluster(RedisClient &c, const Command &args,
                                                             int timeout) {
    auto keys = cluster::commandKeys(args);
    if (keys.ok() && keys->route == cluster::Route::EveryPrimary)
        // Each primary holds part of the data: every one answers, under its name.
        return c.onEveryPrimary(args, timeout);
    if (keys.ok()) // a command the client routes itself
        return {{QString(), c.command(args, timeout)}};

    // A command the client has no key table for: the server says where its keys are (COMMAND
    // is a read; in read-only mode commandOn refuses a write with the client's reason).
    auto found = c.command(Command{"COMMAND", "GETKEYS"} + args, timeout);
    if (!found.ok())
        return {{QString(), found.error()}};
    QString endpoint;
    if (found->isArray() && found->size() > 0) {
        QList<QByteArray> names;
        for (const RedisReply &key : found->elements())
            names << key.bytes();
        auto slot = cluster::commonSlot(names, args.first());
        if (!slot.ok())
            return {{QString(), slot.error()}};
        for (const RedisClient::Node &node : c.nodes())
            for (const auto &range : node.slotRanges)
                if (node.primary && slot.value() >= range.first && slot.value() <= range.second)
                    endpoint = node.endpoint;
        if (endpoint.isEmpty())
            return {
                {QString(), Error(Error::Kind::Connect,
                                  tr("the cluster is down for slot %1: no node serves it (CLUSTER "
                                     "NODES on any node shows which slots are unassigned)")
                                      .arg(slot.value()))}};
        return {{QString(), c.commandOn(endpoint, args, timeout)}};
    }
    // No keys (or a command the server does not know): one node answers, and says which.
    const QStringList primaries = c.primaries();
    if (primaries.isEmpty())
        return {{QString(), c.command(args, timeout)}};
    return {{primaries.first(), c.commandOn(primaries.first(), args, timeout)}};
}

void ConsoleWorker::fetchCommandNames() {
    Error error;
    RedisClient *c = client(&error);
    if (!c)
        return Q_EMIT commandNames({}, error.message);
    QStringList names;
    auto list = c->command({"COMMAND", "LIST"});
    if (list.ok() && list->isError()) // before Redis 7.0: COMMAND's first field is the name
        list = c->command({"COMMAND"});
    if (!list.ok())
        return Q_EMIT commandNames({}, list.error().message);
    if (list->isError())
        return Q_EMIT commandNames({}, list->errorMessage());
    for (const RedisReply &item : list->elements()) {
        const QByteArray bytes = item.isArray() ? item.at(0).bytes() : item.bytes();
        if (!bytes.isEmpty() && !bytes.contains('|'))
            names << QString::fromUtf8(bytes.toUpper());
    }
    names.removeDuplicates();
    names.sort();
    Q_EMIT commandNames(names, QString());
}

ConsoleRunner::ConsoleRunner(ConnectionSettings settings, ReplyTextLimits limits, QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
    , m_worker(new ConsoleWorker(std::move(settings), limits)) {
    qRegisterMetaType<ConsoleReply>();
    qRegisterMetaType<QList<QByteArray>>();
    m_thread->setObjectName(QStringLiteral("streamscope-console"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    m_thread->start();
}

ConsoleRunner::~ConsoleRunner() {
    // Nothing the old worker says reaches the view any more; a command under way ends now
    // (its connection is dropped), and the worker and thread go in the background.
    QObject::disconnect(m_worker, nullptr, nullptr, nullptr);
    m_worker->cancelAll();
    m_thread->quit();
}

int ConsoleRunner::run(const QList<QByteArray> &args, int timeoutMs) {
    const int request = ++m_nextRequest;
    ConsoleWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, request, args, timeoutMs] { worker->execute(request, args, timeoutMs); },
        Qt::QueuedConnection);
    return request;
}

void ConsoleRunner::fetchCommandNames() {
    QMetaObject::invokeMethod(m_worker, &ConsoleWorker::fetchCommandNames, Qt::QueuedConnection);
}

} // namespace streamscope
