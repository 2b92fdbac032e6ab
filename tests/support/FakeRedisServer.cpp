#include "FakeRedisServer.h"

#include "ReplyParser.h"

#include <QHostAddress>
#include <QSemaphore>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

namespace streamscope::test {

namespace {
QSemaphore *s_listening = nullptr; // only while start() waits

QByteArray usualReply(const QList<QByteArray> &command) {
    static const QList<QByteArray> handshake{"AUTH", "SELECT", "CLIENT", "PING"};
    if (!command.isEmpty() && handshake.contains(command.first().toUpper()))
        return "+OK\r\n";
    return "-ERR the fake server does not know this command\r\n";
}
} // namespace

FakeRedisServer::FakeRedisServer(Handler handler)
    : m_handler(std::move(handler)) {}

FakeRedisServer::~FakeRedisServer() {
    quit();
    wait();
}

bool FakeRedisServer::start() {
    QSemaphore listening;
    s_listening = &listening;
    QThread::start();
    listening.acquire();
    s_listening = nullptr;
    return m_port != 0;
}

void FakeRedisServer::run() {
    QTcpServer server;
    if (server.listen(QHostAddress::LocalHost, 0))
        m_port = server.serverPort();
    s_listening->release();
    if (!m_port)
        return;
    QObject::connect(&server, &QTcpServer::newConnection, &server, [this, &server] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            const int index = m_connections.fetch_add(1);
            auto parser = std::make_shared<ReplyParser>();
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, parser, index] {
                parser->feed(socket->readAll());
                for (;;) {
                    auto command = parser->next();
                    if (!command.ok() || !command.value())
                        return;
                    QList<QByteArray> args;
                    for (const RedisReply &arg : command.value()->elements())
                        args.append(arg.bytes());
                    ++m_commands;
                    QByteArray reply = m_handler ? m_handler(index, args) : QByteArray();
                    socket->write(reply.isNull() ? usualReply(args) : reply);
                }
            });
        }
    });
    exec();
}

} // namespace streamscope::test
