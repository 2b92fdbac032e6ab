#include "RedisConnection.h"

#include "ReplicaRole.h"
#include "SshTunnel.h"

#include <atomic>

#include <QDateTime>
#include <QElapsedTimer>
#include <QLocalSocket>
#include <QMutex>
#include <QSet>
#include <QSslSocket>
#include <QTcpSocket>

namespace streamscope {

namespace {
std::atomic<qint64> s_totalCommands{0};

QMutex s_loadMutex;
QHash<QString, RedisConnection::Load> s_loadPerEndpoint; // guarded by s_loadMutex
} // namespace

qint64 RedisConnection::totalCommandsSent() {
    return s_totalCommands.load(std::memory_order_relaxed);
}

QHash<QString, RedisConnection::Load> RedisConnection::loadPerEndpoint() {
    QMutexLocker lock(&s_loadMutex);
    return s_loadPerEndpoint;
}

void RedisConnection::countSent(qint64 commands) {
    m_commandsSent += commands;
    s_totalCommands.fetch_add(commands, std::memory_order_relaxed);
    QMutexLocker lock(&s_loadMutex);
    Load &load = s_loadPerEndpoint[m_settings.endpoint()];
    load.commands += commands;
    load.bytesReceived += m_bytesReceived - m_bytesCounted;
    m_bytesCounted = m_bytesReceived;
}

namespace {

// A server's message to be followed by a full stop of ours: without its own.
QString sentence(QString message) {
    while (message.endsWith(QLatin1Char('.')))
        message.chop(1);
    return message;
}

// How long one wait on the socket may last before we look at the cancel flag again.
constexpr int waitSliceMs = 50;

qint64 deadlineAfter(int ms) {
    return QDateTime::currentMSecsSinceEpoch() + ms;
}

int remaining(qint64 deadline) {
    return int(qMax<qint64>(0, deadline - QDateTime::currentMSecsSinceEpoch()));
}

} // namespace

RedisConnection::RedisConnection(ConnectionSettings settings)
    : m_settings(std::move(settings))
    , m_readBuffer(256 * 1024)
    , m_readOnly(m_settings.readOnly) {
    m_parser.setMaxReplyBytes(m_settings.maxReplyBytes);
}

RedisConnection::~RedisConnection() {
    close();
}

bool RedisConnection::isOpen() const {
    return m_device && transportConnected();
}

bool RedisConnection::transportConnected() const {
    if (auto *local = qobject_cast<QLocalSocket *>(m_device.get()))
        return local->state() == QLocalSocket::ConnectedState;
    if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.get()))
        return socket->state() == QAbstractSocket::ConnectedState;
    return false;
}

void RedisConnection::close() {
    if (!m_device)
        return;
    if (auto *local = qobject_cast<QLocalSocket *>(m_device.get()))
        local->abort();
    else if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.get()))
        socket->abort();
    m_device.reset();
    m_parser.reset();
}

Error RedisConnection::fail(Error error) {
    close();
    return error;
}

Error RedisConnection::open() {
    close();
    m_readOnlyPrimary.clear(); // another server, or the same one in another role
    if (Error e = connectTransport())
        return fail(e);
    if (Error e = handshake())
        return fail(e);
    return {};
}

Error RedisConnection::connectTransport() {
    const int timeout = m_settings.connectTimeoutMs;
    QElapsedTimer clock;
    clock.start();
    auto waitConnected = [&](auto *socket, auto connectedState, auto unconnectedState) -> Error {
        while (socket->state() != connectedState) {
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            if (clock.elapsed() >= timeout)
                return Error(Error::Kind::Timeout,
                             QStringLiteral("could not connect to %1 within %2 ms: is the server "
                                            "running and reachable?")
                                 .arg(m_settings.endpoint())
                                 .arg(timeout));
            if (!socket->waitForConnected(qMin<int>(waitSliceMs, timeout))
                && socket->state() == unconnectedState)
                return Error(Error::Kind::Connect,
                             QStringLiteral("could not connect to %1: %2")
                                 .arg(m_settings.endpoint(), socket->errorString()));
        }
        return {};
    };

    // Through SSH, every server is reached at a local forward; names (TLS verification,
    // messages) stay the server's own.
    QString host = m_settings.host;
    quint16 port = m_settings.port;
    if (m_settings.viaSsh() && m_settings.transport != ConnectionSettings::Transport::Unix) {
        auto forward =
            sshLocalForward(m_settings.ssh, m_settings.host, m_settings.port, timeout, m_cancel);
        if (!forward.ok())
            return forward.error();
        host = forward->host;
        port = forward->port;
    }

    switch (m_settings.transport) {
    case ConnectionSettings::Transport::Unix: {
        auto *local = new QLocalSocket;
        m_device.reset(local);
        local->connectToServer(m_settings.socketPath);
        return waitConnected(local, QLocalSocket::ConnectedState, QLocalSocket::UnconnectedState);
    }
    case ConnectionSettings::Transport::Tcp: {
        auto *tcp = new QTcpSocket;
        m_device.reset(tcp);
        tcp->connectToHost(host, port);
        if (Error e = waitConnected(tcp, QAbstractSocket::ConnectedState,
                                    QAbstractSocket::UnconnectedState))
            return e;
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        tcp->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        return {};
    }
    case ConnectionSettings::Transport::Tls: {
        if (!QSslSocket::supportsSsl())
            return Error(Error::Kind::Connect,
                         QStringLiteral("rediss:// needs TLS, but Qt has no TLS backend here "
                                        "(install libssl3)"));
        auto *ssl = new QSslSocket;
        m_device.reset(ssl);
        if (!m_settings.tlsVerifyPeer)
            ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
        ssl->connectToHostEncrypted(host, port, m_settings.host);
        if (Error e = waitConnected(ssl, QAbstractSocket::ConnectedState,
                                    QAbstractSocket::UnconnectedState))
            return e;
        while (!ssl->isEncrypted()) {
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            if (clock.elapsed() >= timeout || ssl->state() != QAbstractSocket::ConnectedState)
                return Error(Error::Kind::Connect,
                             QStringLiteral("TLS handshake with %1 failed: %2")
                                 .arg(m_settings.endpoint(), ssl->errorString()));
            ssl->waitForEncrypted(waitSliceMs);
        }
        return {};
    }
    }
    return Error(Error::Kind::Connect, QStringLiteral("unknown transport"));
}

Error RedisConnection::handshake() {
    QList<Command> commands;
    // A user without a password authenticates too, with an empty one: that is how a nopass ACL
    // user becomes itself (sending nothing, as redis-cli does, would connect as "default").
    const bool withAuth = !m_settings.password.isEmpty() || !m_settings.user.isEmpty();
    if (withAuth) {
        if (m_settings.user.isEmpty())
            commands.append({"AUTH", m_settings.password.toUtf8()});
        else
            commands.append({"AUTH", m_settings.user.toUtf8(), m_settings.password.toUtf8()});
    }
    const bool withSelect = m_settings.db != 0;
    if (withSelect)
        commands.append({"SELECT", QByteArray::number(m_settings.db)});
    commands.append({"CLIENT", "SETNAME", m_settings.clientName.toUtf8()});

    auto replies = pipeline(commands, m_settings.connectTimeoutMs);
    if (!replies.ok())
        return replies.error();
    auto next = replies.value().cbegin();

    if (withAuth) {
        const RedisReply &auth = *next++;
        // A password given to a server that needs none is harmless (redis-cli only warns).
        if (auth.isError() && !auth.errorMessage().contains(QLatin1String("without any password"))
            && m_settings.password.isEmpty())
            return Error(
                Error::Kind::Auth,
                QStringLiteral("authentication as %1 at %3 without a password failed: "
                               "%2. Unless the user is a nopass user, give its "
                               "password: redis://%1:PASSWORD@host:port or "
                               "REDISCLI_AUTH.")
                    .arg(m_settings.user, sentence(auth.errorMessage()), m_settings.endpoint()));
        if (auth.isError() && !auth.errorMessage().contains(QLatin1String("without any password")))
            return Error(Error::Kind::Auth,
                         QStringLiteral("authentication as %1 at %3 failed: %2. Check the user "
                                        "and password in the URL or REDISCLI_AUTH.")
                             .arg(m_settings.user.isEmpty() ? QStringLiteral("the default user")
                                                            : m_settings.user,
                                  sentence(auth.errorMessage()), m_settings.endpoint()));
    }
    auto needsPassword = [this](const RedisReply &reply) {
        return reply.errorCode() == "NOAUTH"
                   ? Error(Error::Kind::Auth,
                           QStringLiteral("the server at %1 requires a password: put it in the "
                                          "URL (redis://user:password@host:port) or in "
                                          "REDISCLI_AUTH")
                               .arg(m_settings.endpoint()))
                   : Error();
    };
    if (withSelect) {
        const RedisReply &select = *next++;
        if (Error e = needsPassword(select))
            return e;
        if (select.isError())
            return Error(Error::Kind::Server, QStringLiteral("selecting database %1 failed: %2")
                                                  .arg(m_settings.db)
                                                  .arg(select.errorMessage()));
    }
    // A restricted ACL user may not be allowed to name itself: that must not stop it working.
    return needsPassword(*next);
}

Result<RedisReply> RedisConnection::command(const Command &args, int timeoutMs) {
    auto replies = pipeline({args}, timeoutMs);
    if (!replies.ok())
        return replies.error();
    return std::move(replies.value().front());
}

bool RedisConnection::isReadOnlyCommand(const Command &command) {
    if (command.isEmpty())
        return true;
    static const QSet<QByteArray> reads{"PING",   "ECHO",      "AUTH",  "HELLO",  "SELECT",
                                        "INFO",   "SCAN",      "TYPE",  "EXISTS", "XLEN",
                                        "XRANGE", "XREVRANGE", "XREAD", "XINFO",  "XPENDING",
                                        "TIME",   "DBSIZE",    "MULTI", "EXEC",   "DISCARD"};
    const QByteArray name = command.first().toUpper();
    if (name == "CLIENT") {
        static const QSet<QByteArray> client{"SETNAME", "GETNAME", "ID", "INFO", "LIST"};
        return command.size() > 1 && client.contains(command.at(1).toUpper());
    }
    return reads.contains(name);
}

Error RedisConnection::refuseWrites(const QList<Command> &commands) const {
    if (!m_readOnly)
        return {};
    for (const Command &c : commands)
        if (!isReadOnlyCommand(c))
            return Error(Error::Kind::ReadOnly,
                         QStringLiteral("read-only mode: %1 would change data on %2, so it was "
                                        "not sent. Turn read-only mode off to do this.")
                             .arg(QString::fromUtf8(c.first().toUpper()), m_settings.endpoint()));
    return {};
}

void RedisConnection::explainReadOnly(RedisReply *reply) {
    // "READONLY You can't write against a read only replica." tells neither what the server is
    // nor where to write: say both, for every write of the GUI and the CLI. The code stays
    // READONLY: clients that follow failovers look for it.
    if (reply->errorCode() != "READONLY")
        return;
    QString why;
    if (m_readOnlyPrimary.isEmpty()) {
        auto info = pipeline({{"INFO", "replication"}});
        const ReplicationState state = info.ok() && !info->front().isError()
                                           ? ReplicationState::fromInfo(info->front().bytes())
                                           : ReplicationState();
        m_readOnlyPrimary = state.primaryEndpoint();
        why = !info.ok()                          ? info.error().message
              : info->front().isError()           ? info->front().errorMessage()
              : state.role == ServerRole::Primary ? QStringLiteral("it answers as a primary now: "
                                                                   "try again")
                                                  : QString();
    }
    *reply =
        RedisReply::error("READONLY " + readOnlyReplicaMessage(m_readOnlyPrimary, why).toUtf8());
}

Result<RedisReply> RedisConnection::commandEntries(const Command &args, int entriesDepth,
                                                   StreamEntryList *out, int timeoutMs,
                                                   const QByteArray &stream) {
    auto deadline = sendAll({args}, timeoutMs);
    if (!deadline.ok())
        return deadline.error();
    auto reply = receiveEntriesBy(deadline.value(), entriesDepth, out, stream);
    if (reply.ok())
        explainReadOnly(&reply.value());
    return reply;
}

Result<qint64> RedisConnection::sendAll(const QList<Command> &commands, int timeoutMs) {
    if (Error e = refuseWrites(commands))
        return e;
    if (!isOpen())
        return Error(Error::Kind::Io,
                     QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
    const qint64 deadline = deadlineAfter(timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs);
    QByteArray payload;
    for (const Command &c : commands)
        payload += ReplyParser::formatCommand(c);
    if (Error e = send(payload, deadline))
        return fail(e);
    countSent(commands.size());
    return deadline;
}

Result<RedisReply> RedisConnection::receiveEntriesBy(qint64 deadline, int entriesDepth,
                                                     StreamEntryList *out,
                                                     const QByteArray &stream) {
    // The parser takes one reply at a time from what was received: the mode holds for this one.
    m_parser.expectEntries(out, entriesDepth, stream);
    auto reply = receive(deadline);
    if (!reply.ok())
        return fail(reply.error()); // closing resets the parser, which drops partial entries
    return reply;
}

Error RedisConnection::sendCommands(const QList<Command> &commands, int timeoutMs) {
    auto deadline = sendAll(commands, timeoutMs);
    return deadline.ok() ? Error() : deadline.error();
}

Result<RedisReply> RedisConnection::receiveEntries(int entriesDepth, StreamEntryList *out,
                                                   int timeoutMs, const QByteArray &stream) {
    if (!isOpen())
        return Error(Error::Kind::Io,
                     QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
    return receiveEntriesBy(deadlineAfter(timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs),
                            entriesDepth, out, stream);
}

Result<std::vector<RedisReply>> RedisConnection::pipeline(const QList<Command> &commands,
                                                          int timeoutMs) {
    auto sent = sendAll(commands, timeoutMs);
    if (!sent.ok())
        return sent.error();
    const qint64 deadline = sent.value();

    std::vector<RedisReply> replies;
    replies.reserve(size_t(commands.size()));
    for (qsizetype i = 0; i < commands.size(); ++i) {
        auto reply = receive(deadline);
        if (!reply.ok())
            return fail(reply.error());
        replies.push_back(std::move(reply).value());
    }
    for (RedisReply &reply : replies) // once every reply is in: the lookup uses the connection
        explainReadOnly(&reply);
    return replies;
}

Error RedisConnection::send(const QByteArray &payload, qint64 deadline) {
    if (m_device->write(payload) != payload.size())
        return Error(Error::Kind::Io, QStringLiteral("writing to %1 failed: %2")
                                          .arg(m_settings.endpoint(), m_device->errorString()));
    while (m_device->bytesToWrite() > 0) {
        if (cancelled())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        if (!transportConnected())
            return Error(Error::Kind::Io, QStringLiteral("connection to %1 lost: %2")
                                              .arg(m_settings.endpoint(), m_device->errorString()));
        if (remaining(deadline) == 0)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("timed out sending to %1").arg(m_settings.endpoint()));
        m_device->waitForBytesWritten(qMin(waitSliceMs, remaining(deadline)));
    }
    return {};
}

Result<RedisReply> RedisConnection::receive(qint64 deadline) {
    for (;;) {
        auto parsed = m_parser.next();
        if (!parsed.ok())
            return parsed.error();
        if (parsed.value())
            return std::move(*parsed.value());

        // Drain what the socket already holds before waiting.
        qint64 n = m_device->read(m_readBuffer.data(), qint64(m_readBuffer.size()));
        if (n > 0) {
            m_bytesReceived += n;
            m_parser.feed(m_readBuffer.data(), n);
            continue;
        }
        if (n < 0 || !transportConnected())
            return Error(Error::Kind::Io, QStringLiteral("connection to %1 lost: %2")
                                              .arg(m_settings.endpoint(), m_device->errorString()));
        if (cancelled())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        const int left = remaining(deadline);
        if (left == 0)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("%1 did not answer in time").arg(m_settings.endpoint()));
        m_device->waitForReadyRead(qMin(waitSliceMs, left));
    }
}

} // namespace streamscope
