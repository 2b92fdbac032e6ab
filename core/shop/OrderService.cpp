#include "OrderService.h"

#include "GroupConsumer.h"
#include "PublishOnce.h"
#include "ServiceOptions.h"
#include "ShopNames.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QWaitCondition>

#include <cstdio>
#include <memory>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace streamscope::shop {

namespace {

QHttpServerResponse jsonError(const QString &message, QHttpServerResponse::StatusCode status) {
    return QHttpServerResponse(QJsonObject{{QStringLiteral("error"), message}}, status);
}

// Wakes the relay when orders were stored, so publishing follows at once.
class Doorbell {
public:
    void ring() {
        QMutexLocker lock(&m_mutex);
        m_rung = true;
        m_wake.wakeAll();
    }
    void wait(int ms, const std::atomic<bool> &stop) {
        QMutexLocker lock(&m_mutex);
        if (!m_rung && !stop)
            m_wake.wait(&m_mutex, QDeadlineTimer(ms));
        m_rung = false;
    }

private:
    QMutex m_mutex;
    QWaitCondition m_wake;
    bool m_rung = false;
};

// Publishes stored orders to order-events, at most once each (the outbox relay).
// A connection that cannot be made for a reason retrying cannot fix (a certificate or host key
// that cannot be accepted, credentials refused, a sentinel that knows no such master) is
// final: the relay then sets *fatal and returns, and the service exits with the message.
void relayOrders(const QString &dbPath, const ConnectionSettings &settings, Doorbell &doorbell,
                 const std::atomic<bool> &stop, const ServiceLog &log, std::atomic<int> *fatal) {
    OrderStore store(dbPath);
    if (Error e = store.open()) {
        log.info(QStringLiteral("relay: %1").arg(e.message));
        return;
    }
    Seeds seeds(settings);
    auto connection = std::make_unique<AutoClient>(settings);
    PublishOnce publish;
    QString lastState;
    auto state = [&](const QString &s) {
        if (s != lastState)
            log.info(QStringLiteral("relay: %1").arg(lastState = s));
    };
    int backoff = 100;
    while (!stop) {
        if (!connection->isOpen()) {
            connection = std::make_unique<AutoClient>(seeds.current());
            connection->setCancelFlag(&stop);
            Error e = connection->open();
            if (e && !e.isTransient() && e.kind != Error::Kind::Cancelled) {
                log.info(QStringLiteral("relay: cannot connect to %1: %2")
                             .arg(seeds.current().endpoint(), e.message));
                *fatal = 1;
                return;
            }
            if (e)
                seeds.failed();
            else
                seeds.learn(*connection);
            if (!e)
                e = publish.load(*connection);
            if (e) {
                if (!stop)
                    state(QStringLiteral("cannot publish yet (%1); orders are kept and sent "
                                         "later")
                              .arg(e.message));
                sleepUnlessStopped(stop, backoff);
                backoff = qMin(backoff * 2, 5000);
                continue;
            }
            backoff = 100;
            state(QStringLiteral("publishing to %1").arg(QString::fromUtf8(names::orderEvents)));
        }
        auto orders = store.unpublished(500);
        if (!orders.ok()) {
            state(orders.error().message);
            sleepUnlessStopped(stop, 1000);
            continue;
        }
        if (orders->isEmpty()) {
            doorbell.wait(500, stop);
            continue;
        }
        QList<PublishOnce::Request> requests;
        for (const Order &o : orders.value()) {
            const QByteArray id = QByteArray::number(o.id);
            requests.append(
                {names::orderEvents,
                 names::publishedMarker(names::orderEvents, id),
                 {"type", "order.created", "orderId", id, "userId", o.userId.toUtf8(), "amount",
                  QByteArray::number(o.amount), "currency", o.currency.toUtf8(), "items",
                  QJsonDocument(o.items).toJson(QJsonDocument::Compact), "createdAt",
                  QByteArray::number(o.createdAt)},
                 {},
                 {},
                 {}});
        }
        auto replies = publish.run(*connection, requests);
        if (!replies.ok()) {
            state(QStringLiteral("publishing failed (%1); orders are kept and sent later")
                      .arg(replies.error().message));
            connection->close(); // reconnects, with backoff; the orders go out then
            continue;
        }
        QList<QPair<qint64, QString>> published;
        for (qsizetype i = 0; i < orders->size(); ++i) {
            const RedisReply &r = replies.value()[size_t(i)];
            if (r.isError()) {
                state(QStringLiteral("publishing order %1 failed: %2")
                          .arg(orders->at(i).id)
                          .arg(r.errorMessage()));
                break;
            }
            published.append({orders->at(i).id, QString::fromUtf8(r.bytes())});
        }
        if (Error e = store.markPublished(published))
            state(e.message);
        if (published.size() < orders->size())
            sleepUnlessStopped(stop, 1000);
    }
}

// Qt HttpServer 6.4 reads a whole request into memory before any route runs, with no size limit
// and no time limit (one POST could put a 47 MB entry into order-events). This listener sits in
// front of it: its readyRead slot is connected before QHttpServer's, so it sees every byte first
// (peeked, not read). It answers 413 as soon as the headers announce a body over the limit,
// before the body arrives; 431 for endless headers; 411 for a body without Content-Length
// (chunked uploads have no size up front); 408 when a request is not complete in time. Then
// QHttpServer hears nothing more of that connection.
class LimitedTcpServer : public QTcpServer {
public:
    explicit LimitedTcpServer(HttpLimits limits, QObject *parent)
        : QTcpServer(parent)
        , m_limits(limits) {}

protected:
    void incomingConnection(qintptr descriptor) override {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        auto state = std::make_shared<Connection>(socket, m_limits);
        connect(socket, &QIODevice::readyRead, socket, [state] { state->received(); });
        connect(&state->timer, &QTimer::timeout, socket, [state] {
            state->refuse(408, QStringLiteral("Request Timeout"),
                          QStringLiteral("the request was not complete within %1 ms")
                              .arg(state->limits.requestTimeoutMs));
        });
        addPendingConnection(socket); // QHttpServer connects its slots after ours
    }

private:
    struct Connection {
        Connection(QTcpSocket *s, HttpLimits l)
            : socket(s)
            , limits(l) {
            timer.setSingleShot(true);
        }
        QTcpSocket *socket;
        HttpLimits limits;
        QTimer timer;        // runs while a request is under way
        QByteArray head;     // the current request's header bytes so far
        qint64 bodyLeft = 0; // body bytes of the current request still to come
        bool refused = false;

        void received() {
            if (refused)
                return (void)socket->readAll(); // drained, never parsed
            // QHttpServer reads everything on each readyRead, after this slot: what is
            // buffered now arrived since the last call.
            const QByteArray data = socket->peek(socket->bytesAvailable());
            qsizetype pos = 0;
            while (pos < data.size() && !refused) {
                if (bodyLeft > 0) {
                    const qint64 take = qMin<qint64>(bodyLeft, data.size() - pos);
                    bodyLeft -= take;
                    pos += take;
                    if (bodyLeft == 0)
                        timer.stop();
                    continue;
                }
                if (!timer.isActive())
                    timer.start(limits.requestTimeoutMs);
                const qsizetype before = head.size();
                head.append(data.constData() + pos, data.size() - pos);
                const qsizetype end = head.indexOf("\r\n\r\n");
                if (end < 0) {
                    if (head.size() > limits.maxHeaderBytes)
                        refuse(431, QStringLiteral("Request Header Fields Too Large"),
                               QStringLiteral("the request headers are over %1 bytes")
                                   .arg(limits.maxHeaderBytes));
                    break;
                }
                pos += end + 4 - before;
                headersComplete(head.left(end));
                head.clear();
            }
        }

        void headersComplete(const QByteArray &headers) {
            qint64 length = 0;
            for (const QByteArray &line : headers.split('\n')) {
                const qsizetype colon = line.indexOf(':');
                if (colon < 0)
                    continue;
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                if (name == "transfer-encoding")
                    return refuse(411, QStringLiteral("Length Required"),
                                  QStringLiteral("send the body with a Content-Length"));
                if (name == "content-length") {
                    bool ok = false;
                    length = value.toLongLong(&ok);
                    if (!ok || length < 0)
                        return refuse(400, QStringLiteral("Bad Request"),
                                      QStringLiteral("Content-Length is not a number"));
                }
            }
            if (length > limits.maxBodyBytes)
                return refuse(413, QStringLiteral("Payload Too Large"),
                              QStringLiteral("the body is %1 bytes; at most %2 are accepted")
                                  .arg(length)
                                  .arg(limits.maxBodyBytes));
            bodyLeft = length;
            if (bodyLeft == 0)
                timer.stop();
        }

        // Answers and closes: QHttpServer's slots are cut off first, so the request never
        // reaches a route. The rest of the upload is read and dropped until the client has
        // our answer (closing with unread bytes would reset the connection and lose it).
        void refuse(int status, const QString &reason, const QString &message) {
            if (refused)
                return;
            refused = true;
            timer.stop();
            QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
            QObject::connect(socket, &QIODevice::readyRead, socket, [s = socket] { s->readAll(); });
            socket->readAll();
            const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), message}})
                                        .toJson(QJsonDocument::Compact);
            socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason.toLatin1()
                          + "\r\nContent-Type: application/json\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n"
                          + body);
            QTcpSocket *s = socket;
            auto halfClose = [s] {
                if (s->bytesToWrite() == 0 && s->state() == QAbstractSocket::ConnectedState) {
#ifdef Q_OS_UNIX
                    ::shutdown(int(s->socketDescriptor()), SHUT_WR);
#else
                    s->disconnectFromHost(); // no half-close: the answer may be lost to a reset
#endif
                }
            };
            QObject::connect(socket, &QIODevice::bytesWritten, socket, halfClose);
            socket->flush();
            halfClose();
            // However slow the client is to go, the connection ends.
            QTimer::singleShot(5000, socket, [s] { s->abort(); });
        }
    };

    HttpLimits m_limits;
};

// Learns what happened to payments (payment-events, group order-service) and updates orders.
class PaymentOutcomeHandler : public MessageHandler {
public:
    explicit PaymentOutcomeHandler(OrderStore *store)
        : m_store(store) {}
    Error prepare(RedisClient &) override { return {}; }
    Result<QList<Outcome>> handle(RedisClient &, const QList<Delivery> &batch) override {
        QList<Outcome> outcomes(batch.size(), Outcome::ack());
        QList<std::tuple<qint64, QString, QString>> updates;
        for (qsizetype i = 0; i < batch.size(); ++i) {
            const StreamEntry &e = batch.at(i).entry;
            const QByteArray type = e.value("type");
            if (type != "payment.completed" && type != "payment.failed")
                continue;
            bool ok = false;
            const qint64 id = e.value("orderId").toLongLong(&ok);
            if (!ok) {
                outcomes[i] = Outcome::fail(QStringLiteral("payment event without a valid "
                                                           "orderId"));
                continue;
            }
            updates.append({id,
                            type == "payment.completed" ? QStringLiteral("paid")
                                                        : QStringLiteral("payment_failed"),
                            QString::fromUtf8(e.value("paymentId"))});
        }
        if (Error e = m_store->applyPayments(updates))
            return e;
        return outcomes;
    }

private:
    OrderStore *m_store;
};

} // namespace

Result<Order> orderFromJson(const QByteArray &body) {
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("the body is not valid JSON: %1 at offset %2")
                         .arg(parseError.errorString())
                         .arg(parseError.offset));
    if (!doc.isObject())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("the body must be a JSON object with userId, items, amount "
                                    "and currency"));
    const QJsonObject o = doc.object();
    Order order;
    const QJsonValue user = o.value(QStringLiteral("userId"));
    if (!user.isString() || user.toString().trimmed().isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("userId is missing or not a non-empty string"));
    order.userId = user.toString();
    const QJsonValue items = o.value(QStringLiteral("items"));
    if (!items.isArray() || items.toArray().isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("items is missing or not a non-empty array"));
    order.items = items.toArray();
    for (qsizetype i = 0; i < order.items.size(); ++i) {
        const QJsonValue item = order.items.at(i);
        const QString where = QStringLiteral("items[%1]").arg(i);
        if (!item.isObject())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("%1 must be an object with sku and qty").arg(where));
        const QJsonValue sku = item.toObject().value(QStringLiteral("sku"));
        if (!sku.isString() || sku.toString().trimmed().isEmpty())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("%1: sku is missing or not a non-empty string").arg(where));
        const QJsonValue qty = item.toObject().value(QStringLiteral("qty"));
        const double n = qty.toDouble(-1);
        if (!qty.isDouble() || n < 1 || n > 1e6 || n != double(qint64(n)))
            return Error(
                Error::Kind::InvalidArgument,
                QStringLiteral("%1: qty must be a whole number from 1 to 1000000").arg(where));
    }
    const QJsonValue amount = o.value(QStringLiteral("amount"));
    const double cents = amount.toDouble(-1);
    if (!amount.isDouble() || cents <= 0 || cents != double(qint64(cents)) || cents > 1e12)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("amount must be a whole number of cents greater than 0"));
    order.amount = qint64(cents);
    static const QRegularExpression currencyCode(QStringLiteral("^[A-Z]{3}$"));
    const QString currency = o.value(QStringLiteral("currency")).toString();
    if (!currencyCode.match(currency).hasMatch())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("currency must be a three-letter code such as EUR"));
    order.currency = currency;
    order.createdAt = QDateTime::currentMSecsSinceEpoch();
    return order;
}

int runOrderService(const QStringList &args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The shop's order service: takes orders over HTTP (POST /orders, GET /orders/{id}), "
        "stores them in its own database and publishes order.created to order-events; learns "
        "about payments from payment-events (consumer group order-service)."));
    addCommonOptions(parser, false);
    parser.addOptions({
        {QStringLiteral("http"),
         QStringLiteral("HTTP port on 127.0.0.1 (default 8080; 0 picks a free one)."),
         QStringLiteral("PORT"), QStringLiteral("8080")},
        {QStringLiteral("db"), QStringLiteral("The orders database (default orders.db)."),
         QStringLiteral("FILE"), QStringLiteral("orders.db")},
        {QStringLiteral("generate"),
         QStringLiteral("Place orders itself at RATE per second (0: as fast as it can)."),
         QStringLiteral("RATE")},
        {QStringLiteral("orders"), QStringLiteral("With --generate: stop after N orders."),
         QStringLiteral("N")},
        {QStringLiteral("max-body"),
         QStringLiteral("Largest request body accepted, in bytes (default 1048576); larger ones "
                        "get 413 before they are read."),
         QStringLiteral("BYTES"), QStringLiteral("1048576")},
        {QStringLiteral("request-timeout-ms"),
         QStringLiteral("A request not complete this long after it began gets 408 (default "
                        "10000)."),
         QStringLiteral("MS"), QStringLiteral("10000")},
    });
    if (const int code = parseOrExit(parser, args); code >= 0)
        return code;
    // Its connections are named after the service (StreamScope's service map reads them): the
    // relay's declares the stream it adds to, the consumer's is SERVICE:CONSUMER.
    auto settings = settingsFrom(
        parser, QStringLiteral("order-service:relay>%1").arg(QLatin1String(names::orderEvents)));
    if (!settings.ok()) {
        std::fprintf(stderr, "order-service: %s\n", qPrintable(settings.error().message));
        return 2;
    }
    qint64 port = 0, rate = -1, limit = -1;
    if (!parsePositive(parser.value(QStringLiteral("http")), &port, true) || port > 65535) {
        std::fprintf(stderr, "order-service: --http needs a port number (0-65535)\n");
        return 2;
    }
    if (parser.isSet(QStringLiteral("generate"))
        && !parsePositive(parser.value(QStringLiteral("generate")), &rate, true)) {
        std::fprintf(stderr, "order-service: --generate needs a rate >= 0\n");
        return 2;
    }
    if (parser.isSet(QStringLiteral("orders"))
        && !parsePositive(parser.value(QStringLiteral("orders")), &limit)) {
        std::fprintf(stderr, "order-service: --orders needs a number > 0\n");
        return 2;
    }

    HttpLimits limits;
    qint64 maxBody = 0, timeoutMs = 0;
    if (!parsePositive(parser.value(QStringLiteral("max-body")), &maxBody)
        || maxBody > (qint64(1) << 30)) {
        std::fprintf(stderr, "order-service: --max-body needs a number of bytes (1 to 2^30)\n");
        return 2;
    }
    if (!parsePositive(parser.value(QStringLiteral("request-timeout-ms")), &timeoutMs)
        || timeoutMs > 3600000) {
        std::fprintf(stderr, "order-service: --request-timeout-ms needs a number of ms (1 to "
                             "3600000)\n");
        return 2;
    }
    limits.maxBodyBytes = maxBody;
    limits.requestTimeoutMs = int(timeoutMs);

    const ServiceLog log(QStringLiteral("order-service"));
    const QString dbPath = parser.value(QStringLiteral("db"));
    OrderStore store(dbPath);
    if (Error e = store.open()) {
        log.info(e.message);
        return 1;
    }
    const std::atomic<bool> &stopSignal = installStopSignals();
    // The threads stop on SIGTERM/SIGINT, or when one of them met a final error (fatal).
    std::atomic<bool> stop{false};
    std::atomic<int> fatal{0};
    Doorbell doorbell;

    QThread *relay = QThread::create(
        [&] { relayOrders(dbPath, settings.value(), doorbell, stop, log, &fatal); });
    relay->setObjectName(QStringLiteral("order-relay"));
    QThread *consumer = QThread::create([&] {
        OrderStore consumerStore(dbPath);
        if (Error e = consumerStore.open()) {
            log.info(e.message);
            return;
        }
        GroupConsumer::Options options;
        options.stream = names::paymentEvents;
        options.group = names::orderGroup;
        options.consumer = "order-service-1";
        ConnectionSettings consumerSettings = settings.value();
        consumerSettings.clientName =
            QStringLiteral("order-service:") + QString::fromUtf8(options.consumer);
        PaymentOutcomeHandler handler(&consumerStore);
        if (GroupConsumer(consumerSettings, options, &handler, log).run(stop) != 0)
            fatal = 1;
    });
    consumer->setObjectName(QStringLiteral("payment-outcomes"));

    QHttpServer http;
    http.route(QStringLiteral("/orders"), QHttpServerRequest::Method::Post,
               [&](const QHttpServerRequest &request) {
                   auto order = orderFromJson(request.body());
                   if (!order.ok())
                       return jsonError(order.error().message,
                                        QHttpServerResponse::StatusCode::BadRequest);
                   auto id = store.insert(order.value());
                   if (!id.ok())
                       return jsonError(id.error().message,
                                        QHttpServerResponse::StatusCode::InternalServerError);
                   doorbell.ring();
                   return QHttpServerResponse(
                       QJsonObject{{QStringLiteral("orderId"), QString::number(id.value())},
                                   {QStringLiteral("status"), QStringLiteral("placed")}},
                       QHttpServerResponse::StatusCode::Created);
               });
    http.route(QStringLiteral("/orders/<arg>"), QHttpServerRequest::Method::Get,
               [&](const QString &idText) {
                   bool ok = false;
                   const qint64 id = idText.toLongLong(&ok);
                   if (!ok || id <= 0)
                       return jsonError(QStringLiteral("\"%1\" is not an order ID").arg(idText),
                                        QHttpServerResponse::StatusCode::BadRequest);
                   auto order = store.find(id);
                   if (!order.ok())
                       return jsonError(order.error().message,
                                        QHttpServerResponse::StatusCode::InternalServerError);
                   if (!order.value())
                       return jsonError(QStringLiteral("no order %1").arg(id),
                                        QHttpServerResponse::StatusCode::NotFound);
                   return QHttpServerResponse(order.value()->toJson());
               });
    auto *tcp = new LimitedTcpServer(limits, &http);
    const quint16 listening =
        tcp->listen(QHostAddress::LocalHost, quint16(port)) ? tcp->serverPort() : 0;
    if (listening == 0) {
        log.info(
            QStringLiteral("cannot listen on 127.0.0.1:%1: is the port taken? (--http)").arg(port));
        return 1;
    }
    http.bind(tcp);
    log.info(QStringLiteral("listening on http://127.0.0.1:%1").arg(listening));

    // --generate: place orders in batches, one transaction per tick.
    QTimer generator;
    qint64 generated = 0;
    QElapsedTimer since;
    since.start();
    if (rate >= 0) {
        generator.setInterval(rate == 0 ? 0 : 10);
        QObject::connect(&generator, &QTimer::timeout, [&] {
            qint64 due = rate == 0 ? generated + 500 : rate * since.elapsed() / 1000;
            if (limit > 0)
                due = qMin(due, limit);
            if (due <= generated)
                return;
            auto *random = QRandomGenerator::global();
            QList<Order> batch;
            for (qint64 i = generated; i < due; ++i) {
                Order o;
                o.userId = QStringLiteral("user-%1").arg(random->bounded(1, 500));
                o.items = QJsonArray{
                    QJsonObject{{QStringLiteral("sku"),
                                 QStringLiteral("SKU-%1").arg(random->bounded(100, 999))},
                                {QStringLiteral("qty"), random->bounded(1, 4)}}};
                o.amount = random->bounded(500, 20000);
                o.currency = QStringLiteral("EUR");
                o.createdAt = QDateTime::currentMSecsSinceEpoch();
                batch.append(o);
            }
            if (Error e = store.insertMany(batch)) {
                log.info(e.message);
                return;
            }
            generated = due;
            doorbell.ring();
            if (limit > 0 && generated >= limit) {
                generator.stop();
                log.info(QStringLiteral("generated %1 orders").arg(generated));
            }
        });
        generator.start();
        log.info(rate ? QStringLiteral("generating %1 orders/s").arg(rate)
                      : QStringLiteral("generating orders as fast as possible"));
    }

    QTimer stopWatch;
    QObject::connect(&stopWatch, &QTimer::timeout, [&] {
        if (stopSignal || fatal) {
            stop = true;
            QCoreApplication::exit(fatal);
        }
    });
    stopWatch.start(100);
    relay->start();
    consumer->start();
    const int code = QCoreApplication::exec();
    doorbell.ring();
    relay->wait();
    consumer->wait();
    delete relay;
    delete consumer;
    log.info(QStringLiteral("stopped"));
    return code;
}

} // namespace streamscope::shop
