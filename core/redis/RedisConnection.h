#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "RedisClient.h"
#include "RedisReply.h"
#include "ReplyParser.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSslConfiguration>

#include <atomic>
#include <memory>
#include <vector>

class QIODevice;
class QSslSocket;

namespace streamscope {

// One synchronous connection to one Redis server, used from the thread that created it
// (the tail reader, the poller, the CLI). It never needs an event loop: it waits on the socket
// in short slices so that a cancel flag set from another thread ends a long BLOCK promptly.
//
// Transport is Qt's: QTcpSocket, QSslSocket (rediss://) or QLocalSocket (unix://) behind one
// QIODevice, with hiredis only formatting commands and parsing replies. Routing for Redis
// Cluster belongs a layer above (ClusterClient, holding one RedisConnection per node).
class RedisConnection : public RedisClient {
public:
    explicit RedisConnection(ConnectionSettings settings);
    ~RedisConnection() override;
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    // Connects with the connect timeout, then AUTH, SELECT and CLIENT SETNAME in one round
    // trip. Error kinds: Connect, Auth, Timeout, Server (e.g. SELECT out of range), Cancelled,
    // Tls (a certificate or key we cannot use or accept, a client certificate the server wants
    // or refuses: final, the message says what to give).
    Error open() override;
    void close() override;
    bool isOpen() const override;

    // Sends one command and waits for its reply. A server error is a successful Result holding
    // an Error reply; the Result fails only when the connection did (then it is closed).
    // timeoutMs < 0 uses the settings' command timeout.
    Result<RedisReply> command(const Command &args, int timeoutMs = -1) override;
    // Sends all commands in one write and reads all replies, in order.
    Result<std::vector<RedisReply>> pipeline(const QList<Command> &commands,
                                             int timeoutMs = -1) override;

    // Sends a command whose reply holds stream entries and reads them straight into *out (see
    // ReplyParser::expectEntries): XREAD/XREADGROUP (entriesDepth 2), XRANGE/XREVRANGE/XCLAIM
    // (0, with stream naming them). The returned reply is the skeleton: nil, an error, or the
    // arrays without their entries. On failure nothing is appended.
    Result<RedisReply> commandEntries(const Command &args, int entriesDepth, StreamEntryList *out,
                                      int timeoutMs = -1, const QByteArray &stream = {}) override;

    // commandEntries split in two, so that reads of several connections overlap (ClusterClient
    // sends to every node before reading any reply): sendCommands writes commands in one go;
    // each receiveEntries then reads the next one's reply as commandEntries does. Until every
    // reply was received the connection serves nothing else. A failure closes the connection.
    Error sendCommands(const QList<Command> &commands, int timeoutMs = -1);
    Result<RedisReply> receiveEntries(int entriesDepth, StreamEntryList *out, int timeoutMs = -1,
                                      const QByteArray &stream = {});
    // Waits until the next reply is all received and says what it holds without parsing it
    // (ReplyParser::scanEntries): how many entries and the last ID of each entries array. A
    // reader that knows where this page ends can ask for the next one (sendCommands) before it
    // parses this one with receiveEntries, so the server works while we parse. A failure
    // closes the connection.
    Result<ReplyParser::EntriesScan> peekEntries(int entriesDepth, int timeoutMs = -1);

    // Read-only mode: only commands known not to change data leave the process (an allowlist,
    // so a command added later is refused until someone says it is safe). Refused commands
    // fail with Error::Kind::ReadOnly and nothing of the pipeline is sent.
    void setReadOnly(bool readOnly) override { m_readOnly = readOnly; }
    bool isReadOnly() const override { return m_readOnly; }
    static bool isReadOnlyCommand(const Command &command);

    // The largest reply accepted (from the settings at first): a larger one fails with a
    // protocol error as soon as its bytes or a header announce it, and the connection closes.
    void setMaxReplyBytes(qint64 bytes) override { m_parser.setMaxReplyBytes(bytes); }
    qint64 maxReplyBytes() const override { return m_parser.maxReplyBytes(); }

    // Set from another thread to abandon the command under way (the connection is closed).
    void setCancelFlag(const std::atomic<bool> *flag) override { m_cancel = flag; }

    const ConnectionSettings &settings() const override { return m_settings; }
    qint64 bytesReceived() const override { return m_bytesReceived; }
    qint64 commandsSent() const override { return m_commandsSent; }

    // As a RedisClient: one server, its own only primary (defined in RedisClient.cpp).
    Topology topology() const override { return Topology::Standalone; }
    QList<Node> nodes() const override;
    Result<RedisReply> commandOn(const QString &endpoint, const Command &args,
                                 int timeoutMs = -1) override;
    // Commands sent by every connection of this process: StreamScope's own load on servers.
    static qint64 totalCommandsSent();
    // The same per server ("host:port", as settings().endpoint()), with the bytes received from
    // it (counted when the next command is sent): the load per cluster node.
    struct Load {
        qint64 commands = 0;
        qint64 bytesReceived = 0;
    };
    static QHash<QString, Load> loadPerEndpoint();

    // The TLS configuration of these settings, read before connecting: the system CA store (or
    // instead, as OpenSSL takes them, SSL_CERT_FILE / SSL_CERT_DIR) plus tls.caFile and
    // tls.caDir; the client certificate and its key (PEM, RSA or EC, maybe encrypted:
    // tls.keyPassphrase). Certificate files are parsed once per version of the file.
    // A file that is missing or not what it should be is an Error::Kind::Tls naming the flag.
    static Result<QSslConfiguration> tlsConfiguration(const ConnectionSettings &settings);

private:
    Error openOnce();
    Error connectTransport();
    Error handshake();
    // Why the TLS handshake failed, in words that say what to give (--cacert, --sni, ...).
    Error tlsFailure(const QSslSocket &ssl);
    // The first reply did not come: was it the TLS port refusing us, or the wrong port?
    // Sets m_refusalGuessed when it took a silent close for a refusal.
    Error explainFirstFailure(const Error &error);
    Error unixSocketFailure(int qtError, const QString &qtMessage) const;
    Error send(const QByteArray &payload, qint64 deadline);
    // Checks, formats and writes commands in one go; the deadline their replies share.
    Result<qint64> sendAll(const QList<Command> &commands, int timeoutMs);
    Result<RedisReply> receiveEntriesBy(qint64 deadline, int entriesDepth, StreamEntryList *out,
                                        const QByteArray &stream);
    Result<RedisReply> receive(qint64 deadline);
    // Reads what the socket holds into the parser, waiting at most until deadline (in slices):
    // an error when the connection failed, was cancelled or the deadline passed.
    Error readMore(qint64 deadline);
    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }
    Error fail(Error error); // closes the connection and passes the error on
    void countSent(qint64 commands);
    bool transportConnected() const;

    ConnectionSettings m_settings;
    std::unique_ptr<QIODevice> m_device;
    ReplyParser m_parser;
    std::vector<char> m_readBuffer;
    Error refuseWrites(const QList<Command> &commands) const;
    // A replica's READONLY refusal, rewritten to name the primary (asked once a connection).
    void explainReadOnly(RedisReply *reply);
    QString m_readOnlyPrimary; // the primary named in READONLY messages, once known

    const std::atomic<bool> *m_cancel = nullptr;
    bool m_readOnly = false;
    bool m_refusalGuessed = false;
    qint64 m_bytesAtOpen = 0; // m_bytesReceived when the connection was opened
    qint64 m_bytesReceived = 0;
    qint64 m_commandsSent = 0;
    qint64 m_bytesCounted = 0; // of m_bytesReceived, in loadPerEndpoint()
};

} // namespace streamscope
