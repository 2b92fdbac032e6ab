#pragma once

// A loopback "Redis" for what a real server cannot be made to send (a reply of the wrong shape,
// a header announcing 2^31 elements): it reads RESP commands and answers each with the bytes a
// handler returns. It runs on its own thread, so synchronous clients (RedisConnection) and
// other processes (streamscope-cli) can talk to it while the test waits.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QThread>

#include <atomic>
#include <functional>

namespace streamscope::test {

class FakeRedisServer : public QThread {
public:
    // Called on the server's thread for every command: connection counts the clients that
    // connected before this one (0 for the first). A null QByteArray means "the usual": +OK
    // for the handshake (AUTH, SELECT, CLIENT, PING), an error reply for anything else.
    using Handler = std::function<QByteArray(int connection, const QList<QByteArray> &command)>;

    explicit FakeRedisServer(Handler handler);
    ~FakeRedisServer() override;

    // Listens on 127.0.0.1 and a free port; false when it could not.
    bool start();
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }
    int connections() const { return m_connections.load(); }
    int commands() const { return m_commands.load(); }

protected:
    void run() override;

private:
    Handler m_handler;
    quint16 m_port = 0;
    std::atomic<int> m_connections{0};
    std::atomic<int> m_commands{0};
};

} // namespace streamscope::test
