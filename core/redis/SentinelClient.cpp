#include "SentinelClient.h"

#include <QThread>

namespace streamscope {

namespace {

// Errors after which the primary may have moved: ask the sentinels.
bool connectionLost(const Error &error) {
    return error.kind == Error::Kind::Io || error.kind == Error::Kind::Connect
           || error.kind == Error::Kind::Timeout;
}

bool allReads(const QList<Command> &commands) {
    return std::all_of(commands.begin(), commands.end(), RedisConnection::isReadOnlyCommand);
}

// Whether a replica refused a write of these replies (matched on the code: the message may be
// reworded, the code stays).
bool refusedAsReplica(const std::vector<RedisReply> &replies) {
    return std::any_of(replies.begin(), replies.end(),
                       [](const RedisReply &r) { return r.errorCode() == "READONLY"; });
}

// Whether any write of the commands was applied, judging by its reply: a replica refuses each
// write (a queued one too, and then EXEC aborts), so a write answered otherwise took effect.
bool writeApplied(const QList<Command> &commands, const std::vector<RedisReply> &replies) {
    for (qsizetype i = 0; i < commands.size() && size_t(i) < replies.size(); ++i) {
        const RedisReply &reply = replies[size_t(i)];
        const QByteArray name = commands.at(i).value(0).toUpper();
        if (name == "EXEC" && reply.isArray())
            return true;
        if (!RedisConnection::isReadOnlyCommand(commands.at(i)) && !reply.isError()
            && !(reply.isStatus() && reply.bytes() == "QUEUED"))
            return true;
    }
    return false;
}

// ROLE's first element: "master", "slave", "sentinel"; empty when ROLE was refused.
QByteArray roleOf(const RedisReply &reply) {
    return reply.isArray() ? reply.at(0).bytes() : QByteArray();
}

} // namespace

SentinelClient::SentinelClient(ConnectionSettings settings)
    : m_settings(std::move(settings))
    , m_readOnly(m_settings.fixedReadOnly()) {}

SentinelClient::~SentinelClient() {
    close();
}

QString SentinelClient::masterText() const {
    return QStringLiteral("master \"%1\"").arg(m_settings.sentinel.masterName);
}

ConnectionSettings SentinelClient::sentinelSettings(const ConnectionSettings::HostPort &at) const {
    ConnectionSettings s = m_settings.forServer(at.host, at.port);
    s.user = m_settings.sentinel.user;
    s.password = m_settings.sentinel.password;
    s.db = 0;           // a sentinel has no databases: it refuses SELECT
    s.readOnly = false; // SENTINEL and ROLE change no data, but are not in the read allowlist
    s.connectTimeoutMs = qMin(s.connectTimeoutMs, sentinelTimeoutMs);
    s.commandTimeoutMs = qMin(s.commandTimeoutMs, sentinelTimeoutMs);
    return s;
}

bool SentinelClient::pause(int ms) const {
    for (int slept = 0; slept < ms; slept += 20) {
        if (cancelled())
            return false;
        QThread::msleep(qMin(20, ms - slept));
    }
    return !cancelled();
}

Error SentinelClient::open() {
    close();
    return findPrimary(m_settings.connectTimeoutMs);
}

void SentinelClient::close() {
    if (m_primary) {
        m_closedBytes += m_primary->bytesReceived();
        m_closedCommands += m_primary->commandsSent();
        m_primary.reset();
    }
    m_sentinel.reset();
}

void SentinelClient::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    if (m_primary)
        m_primary->setReadOnly(readOnly);
}

void SentinelClient::setMaxReplyBytes(qint64 bytes) {
    m_settings.maxReplyBytes = bytes;
    if (m_primary)
        m_primary->setMaxReplyBytes(bytes);
}

void SentinelClient::setCancelFlag(const std::atomic<bool> *flag) {
    m_cancel = flag;
    if (m_primary)
        m_primary->setCancelFlag(flag);
    if (m_sentinel)
        m_sentinel->setCancelFlag(flag);
}

qint64 SentinelClient::bytesReceived() const {
    return m_closedBytes + (m_primary ? m_primary->bytesReceived() : 0);
}

qint64 SentinelClient::commandsSent() const {
    return m_closedCommands + (m_primary ? m_primary->commandsSent() : 0);
}

Result<SentinelClient::Named> SentinelClient::ask(qsizetype index) {
    const ConnectionSettings::HostPort at = m_settings.sentinel.sentinels.at(index);
    if (m_sentinelAt != index || !m_sentinel || !m_sentinel->isOpen()) {
        m_sentinel = std::make_unique<RedisConnection>(sentinelSettings(at));
        m_sentinel->setCancelFlag(m_cancel);
        m_sentinelAt = index;
        if (Error e = m_sentinel->open()) {
            m_sentinel.reset();
            return e;
        }
    }
    ++m_sentinelQueries;
    // The replicas come along (one round trip): who a write can wait for (WAIT), for nodes().
    const QByteArray name = m_settings.sentinel.masterName.toUtf8();
    auto replies = m_sentinel->pipeline(
        {{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", name}, {"SENTINEL", "REPLICAS", name}});
    if (!replies.ok()) {
        m_sentinel.reset();
        return replies.error();
    }
    const RedisReply &reply = replies.value()[0];
    Named named;
    named.sentinel = at.toString();
    if (reply.isNil())
        return named;
    bool portOk = false;
    const uint port = reply.at(1).bytes().toUInt(&portOk);
    if (reply.isError() || !reply.isArray() || reply.size() != 2 || !portOk || port > 65535) {
        const QString what = reply.isError() ? reply.errorMessage() : reply.toDebugString();
        m_sentinel.reset();
        return Error(
            Error::Kind::Server,
            reply.errorCode() == "ERR" && what.contains(QLatin1String("unknown command"))
                ? QStringLiteral("not a Redis Sentinel (it answered \"%1\")").arg(what)
                : QStringLiteral("SENTINEL GET-MASTER-ADDR-BY-NAME answered \"%1\"").arg(what));
    }
    named.known = true;
    named.at = {QString::fromUtf8(reply.at(0).bytes()), quint16(port)};
    const RedisReply &replicas = replies.value()[1];
    for (const RedisReply &replica : replicas.elements()) { // none when refused (ACL)
        const RedisReply *ip = replica.field("ip");
        const RedisReply *replicaPort = replica.field("port");
        const RedisReply *flags = replica.field("flags");
        if (!ip || !replicaPort)
            continue;
        Node node;
        node.endpoint = ConnectionSettings::HostPort{QString::fromUtf8(ip->bytes()),
                                                     quint16(replicaPort->bytes().toUInt())}
                            .toString();
        node.id = node.endpoint;
        node.primary = false;
        const QByteArray f = flags ? flags->bytes() : QByteArray();
        node.reachable =
            !f.contains("s_down") && !f.contains("o_down") && !f.contains("disconnected");
        named.replicas.append(node);
    }
    return named;
}

QStringList SentinelClient::masterNames(RedisConnection &sentinel) {
    QStringList names;
    auto reply = sentinel.command({"SENTINEL", "MASTERS"});
    if (!reply.ok() || !reply->isArray())
        return names;
    for (const RedisReply &master : reply->elements())
        if (const RedisReply *name = master.field("name"))
            names << QString::fromUtf8(name->bytes());
    return names;
}

Result<std::unique_ptr<RedisConnection>>
SentinelClient::connectPrimary(const ConnectionSettings::HostPort &at, bool *isReplica) {
    *isReplica = false;
    ConnectionSettings s = m_settings.forServer(at.host, at.port);
    s.maxReplyBytes = m_settings.maxReplyBytes;
    auto connection = std::make_unique<RedisConnection>(s);
    connection->setCancelFlag(m_cancel);
    if (Error e = connection->open())
        return e;
    // ROLE changes nothing; an ACL user without it may have INFO (the monitoring rule).
    connection->setReadOnly(false);
    auto role = connection->command({"ROLE"});
    QByteArray name = role.ok() ? roleOf(role.value()) : QByteArray();
    if (role.ok() && name.isEmpty()) {
        auto info = connection->command({"INFO", "replication"});
        if (!info.ok())
            role = info.error();
        else if (info->bytes().contains("role:master"))
            name = "master";
        else if (info->bytes().contains("role:slave"))
            name = "slave";
    }
    connection->setReadOnly(m_readOnly);
    if (!role.ok())
        return role.error();
    if (name == "slave" || name == "replica") {
        *isReplica = true;
        return Error(Error::Kind::Connect,
                     QStringLiteral("%1 is a replica, not the primary").arg(at.toString()));
    }
    if (name == "sentinel")
        return Error(Error::Kind::Server,
                     QStringLiteral("%1 is a sentinel, not a data server").arg(at.toString()));
    // "master", or a server that tells neither to this user: taken as named.
    return connection;
}

void SentinelClient::adopt(std::unique_ptr<RedisConnection> primary, const Named &named) {
    if (m_primary) {
        m_closedBytes += m_primary->bytesReceived();
        m_closedCommands += m_primary->commandsSent();
    }
    const QString endpoint = named.at.toString();
    if (!m_endpoint.isEmpty() && m_endpoint != endpoint) {
        m_previousEndpoint = m_endpoint;
        ++m_failovers;
    }
    m_endpoint = endpoint;
    m_primary = std::move(primary);
    m_primary->setReadOnly(m_readOnly);
    m_sinceCheck.start();
    learnReplicas(named.replicas);
}

void SentinelClient::learnReplicas(const QList<Node> &replicas) {
    m_replicas.clear();
    for (Node node : replicas) {
        if (node.endpoint == m_endpoint)
            continue; // the old view of a failover under way
        node.primaryId = m_endpoint;
        m_replicas.append(node);
    }
}

Error SentinelClient::findPrimary(int budgetMs) {
    const QList<ConnectionSettings::HostPort> &sentinels = m_settings.sentinel.sentinels;
    if (sentinels.isEmpty() || m_settings.sentinel.masterName.isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("Sentinel needs at least one sentinel and the master's name "
                                    "(redis+sentinel://host:26379/mymaster, or --sentinel "
                                    "HOST:PORT --master NAME)"));
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        QStringList problems;
        QList<Error::Kind> kinds;
        QStringList unknownTo;
        QStringList knownNames;
        bool worthWaiting = false; // a failover may be under way
        const qsizetype first = m_sentinelAt;
        for (qsizetype k = 0; k < sentinels.size(); ++k) {
            const qsizetype i = (first + k) % sentinels.size();
            const QString sentinel = sentinels.at(i).toString();
            auto named = ask(i);
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            if (!named.ok()) {
                problems << QStringLiteral("sentinel %1: %2").arg(sentinel, named.error().message);
                kinds << named.error().kind;
                continue;
            }
            if (!named->known) {
                unknownTo << sentinel;
                if (knownNames.isEmpty() && m_sentinel)
                    knownNames = masterNames(*m_sentinel);
                continue;
            }
            bool isReplica = false;
            auto primary = connectPrimary(named->at, &isReplica);
            if (primary.ok()) {
                adopt(std::move(primary).value(), named.value());
                return {};
            }
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            problems << (isReplica
                             ? QStringLiteral("sentinel %1 names %2, which is a replica (a "
                                              "failover under way?)")
                                   .arg(sentinel, named->at.toString())
                             : QStringLiteral("sentinel %1 names %2 as the primary, which "
                                              "cannot be used: %3")
                                   .arg(sentinel, named->at.toString(), primary.error().message));
            kinds << primary.error().kind;
            worthWaiting = worthWaiting || isReplica || primary.error().isTransient();
        }
        if (!unknownTo.isEmpty() && problems.size() + unknownTo.size() == sentinels.size()
            && !worthWaiting) {
            QString text = QStringLiteral("no %1 is known to the sentinels (%2 answered that it "
                                          "does not know it)")
                               .arg(masterText(), unknownTo.join(QStringLiteral(", ")));
            text +=
                knownNames.isEmpty()
                    ? QStringLiteral(": check --master or the name in the URL")
                    : QStringLiteral(". They know: %1").arg(knownNames.join(QStringLiteral(", ")));
            if (!problems.isEmpty())
                text += QStringLiteral(" (%1)").arg(problems.join(QStringLiteral("; ")));
            return Error(Error::Kind::InvalidArgument, text);
        }
        if (!worthWaiting || clock.elapsed() + askAgainPauseMs >= budgetMs) {
            // One kind for all (e.g. every sentinel refused the password, or a certificate
            // problem) says what to fix; a mix is a connection problem.
            Error::Kind kind = kinds.value(0, Error::Kind::Connect);
            for (Error::Kind k : kinds)
                if (k != kind)
                    kind = Error::Kind::Connect;
            const bool noneAnswered = problems.size() == sentinels.size() && !worthWaiting;
            return Error(kind, noneAnswered
                                   ? QStringLiteral("no sentinel answered for %1: %2")
                                         .arg(masterText(), problems.join(QStringLiteral("; ")))
                                   : QStringLiteral("no primary for %1 could be reached: %2")
                                         .arg(masterText(), problems.join(QStringLiteral("; "))));
        }
        if (!pause(askAgainPauseMs))
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
    }
}

bool SentinelClient::moveIfFailedOver(const QString &current, int waitMs, QString *why,
                                      bool oneSentinel) {
    QElapsedTimer clock;
    clock.start();
    const QList<ConnectionSettings::HostPort> &sentinels = m_settings.sentinel.sentinels;
    for (;;) {
        bool asked = false;
        for (qsizetype k = 0; k < sentinels.size() && !asked; ++k) {
            const qsizetype i = (m_sentinelAt + k) % sentinels.size();
            auto named = ask(i);
            if (!named.ok()) {
                *why = QStringLiteral("sentinel %1: %2")
                           .arg(sentinels.at(i).toString(), named.error().message);
                if (oneSentinel) {
                    m_sentinelAt = (i + 1) % sentinels.size();
                    return false;
                }
                continue;
            }
            asked = true;
            if (!named->known) {
                *why = QStringLiteral("sentinel %1 no longer knows %2")
                           .arg(named->sentinel, masterText());
                break;
            }
            if (named->at.toString() == current) {
                if (current == m_endpoint)
                    learnReplicas(named->replicas);
                *why = QStringLiteral("the sentinels still name %1").arg(current);
                break;
            }
            bool isReplica = false;
            auto primary = connectPrimary(named->at, &isReplica);
            if (primary.ok()) {
                adopt(std::move(primary).value(), named.value());
                return true;
            }
            *why = QStringLiteral("sentinel %1 names %2, which cannot be used yet: %3")
                       .arg(named->sentinel, named->at.toString(), primary.error().message);
        }
        if (clock.elapsed() + askAgainPauseMs > waitMs || !pause(askAgainPauseMs))
            return false;
    }
}

Result<std::vector<RedisReply>> SentinelClient::run(const QList<Command> &commands,
                                                    const Send &send) {
    if (!m_primary)
        return Error(Error::Kind::Io, QStringLiteral("not connected to %1").arg(masterText()));
    if (m_recheckMs > 0 && m_primary->isOpen() && m_sinceCheck.elapsed() >= m_recheckMs) {
        // At most once per interval: a sentinel that cannot be asked now leaves the primary as
        // it is (a lost connection or READONLY asks again).
        m_sinceCheck.start();
        QString ignored;
        (void)moveIfFailedOver(m_endpoint, 0, &ignored, true);
    }

    const QString was = m_endpoint;
    auto sent = send(*m_primary);
    if (!sent.ok()) {
        const Error error = sent.error();
        if (!connectionLost(error))
            return error;
        QString why;
        if (!moveIfFailedOver(was, 0, &why))
            return Error(
                error.kind,
                QStringLiteral("%1 (primary of %2; %3)").arg(error.message, masterText(), why));
        if (!allReads(commands))
            return Error(error.kind,
                         QStringLiteral("%1. %2 failed over from %3 to %4; the commands include "
                                        "writes, so they were not sent again: they may or may "
                                        "not have been applied")
                             .arg(error.message, masterText(), was, m_endpoint));
        return send(*m_primary); // a read, once more, on the new primary
    }
    if (refusedAsReplica(sent.value()) && !writeApplied(commands, sent.value())) {
        // The server became a replica; nothing of the commands was applied. The sentinels may
        // take a moment to name its successor.
        QString why;
        if (moveIfFailedOver(was, m_settings.commandTimeoutMs, &why))
            return send(*m_primary);
    }
    return sent;
}

namespace {

// One command's reply as run() takes and gives replies: a pipeline of one.
Result<std::vector<RedisReply>> asPipeline(Result<RedisReply> reply) {
    if (!reply.ok())
        return reply.error();
    std::vector<RedisReply> one;
    one.push_back(std::move(reply).value());
    return one;
}

Result<RedisReply> firstOf(Result<std::vector<RedisReply>> replies) {
    if (!replies.ok())
        return replies.error();
    return std::move(replies.value().front());
}

} // namespace

Result<RedisReply> SentinelClient::command(const Command &args, int timeoutMs) {
    return firstOf(
        run({args}, [&](RedisConnection &c) { return asPipeline(c.command(args, timeoutMs)); }));
}

Result<std::vector<RedisReply>> SentinelClient::pipeline(const QList<Command> &commands,
                                                         int timeoutMs) {
    return run(commands, [&](RedisConnection &c) { return c.pipeline(commands, timeoutMs); });
}

Result<RedisReply> SentinelClient::commandEntries(const Command &args, int entriesDepth,
                                                  StreamEntryList *out, int timeoutMs,
                                                  const QByteArray &stream) {
    return firstOf(run({args}, [&](RedisConnection &c) {
        return asPipeline(c.commandEntries(args, entriesDepth, out, timeoutMs, stream));
    }));
}

QList<RedisClient::Node> SentinelClient::nodes() const {
    Node primary;
    primary.id = m_endpoint;
    primary.endpoint = m_endpoint.isEmpty() ? m_settings.endpoint() : m_endpoint;
    primary.slotRanges = {{0, 16383}};
    primary.reachable = isOpen();
    return QList<Node>{primary} + m_replicas;
}

Result<RedisReply> SentinelClient::commandOn(const QString &endpoint, const Command &args,
                                             int timeoutMs) {
    if (endpoint != m_endpoint) {
        if (!endpoint.isEmpty() && endpoint == m_previousEndpoint)
            return Error(Error::Kind::Io,
                         QStringLiteral("%1 is no longer the primary of %2: it failed over to %3")
                             .arg(endpoint, masterText(), m_endpoint));
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("%1 is not the primary of %2 (%3)")
                         .arg(endpoint, masterText(), m_endpoint));
    }
    return command(args, timeoutMs);
}

} // namespace streamscope
