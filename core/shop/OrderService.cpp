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
#include <QThread>
#include <QTimer>
#include <QWaitCondition>

#include <cstdio>

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
void relayOrders(const QString &dbPath, const ConnectionSettings &settings, Doorbell &doorbell,
                 const std::atomic<bool> &stop, const ServiceLog &log) {
    OrderStore store(dbPath);
    if (Error e = store.open()) {
        log.info(QStringLiteral("relay: %1").arg(e.message));
        return;
    }
    RedisConnection connection(settings);
    connection.setCancelFlag(&stop);
    PublishOnce publish;
    QString lastState;
    auto state = [&](const QString &s) {
        if (s != lastState)
            log.info(QStringLiteral("relay: %1").arg(lastState = s));
    };
    int backoff = 100;
    while (!stop) {
        if (!connection.isOpen()) {
            Error e = connection.open();
            if (!e)
                e = publish.load(connection);
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
                 "shop:order-published:" + id,
                 {"type", "order.created", "orderId", id, "userId", o.userId.toUtf8(), "amount",
                  QByteArray::number(o.amount), "currency", o.currency.toUtf8(), "items",
                  QJsonDocument(o.items).toJson(QJsonDocument::Compact), "createdAt",
                  QByteArray::number(o.createdAt)},
                 {},
                 {},
                 {}});
        }
        auto replies = publish.run(connection, requests);
        if (!replies.ok())
            continue; // reconnects; the orders stay unpublished and go out then
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

// Learns what happened to payments (payment-events, group order-service) and updates orders.
class PaymentOutcomeHandler : public MessageHandler {
public:
    explicit PaymentOutcomeHandler(OrderStore *store)
        : m_store(store) {}
    Error prepare(RedisConnection &) override { return {}; }
    Result<QList<Outcome>> handle(RedisConnection &, const QList<Delivery> &batch) override {
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
    });
    if (const int code = parseOrExit(parser, args); code >= 0)
        return code;
    auto settings = settingsFrom(parser, QStringLiteral("order-service"));
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

    const ServiceLog log(QStringLiteral("order-service"));
    const QString dbPath = parser.value(QStringLiteral("db"));
    OrderStore store(dbPath);
    if (Error e = store.open()) {
        log.info(e.message);
        return 1;
    }
    const std::atomic<bool> &stop = installStopSignals();
    Doorbell doorbell;

    QThread *relay =
        QThread::create([&] { relayOrders(dbPath, settings.value(), doorbell, stop, log); });
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
        PaymentOutcomeHandler handler(&consumerStore);
        GroupConsumer(settings.value(), options, &handler, log).run(stop);
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
    const quint16 listening = http.listen(QHostAddress::LocalHost, quint16(port));
    if (listening == 0) {
        log.info(
            QStringLiteral("cannot listen on 127.0.0.1:%1: is the port taken? (--http)").arg(port));
        return 1;
    }
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
        if (stop)
            QCoreApplication::quit();
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
