#pragma once

// Service maps built by hand, as ServiceMapBuilder would build them, for the view's test and
// benchmark: the demo shop, and 50 streams with their groups and inferred producers.

#include "ServiceMap.h"

#include <QDateTime>

namespace streamscope::test {

inline QString mapGroupKey(const QByteArray &stream, const QByteArray &group) {
    return QStringLiteral("group:%1\x1f%2")
        .arg(QString::fromUtf8(stream), QString::fromUtf8(group));
}
inline QString mapStreamKey(const QByteArray &stream) {
    return QStringLiteral("stream:") + QString::fromUtf8(stream);
}
inline QString mapProducerKey(const QByteArray &name) {
    return QStringLiteral("producer:") + QString::fromUtf8(name);
}

inline ServiceMapNode streamNode(const QByteArray &name, int rank, int order, qint64 length) {
    ServiceMapNode n;
    n.kind = ServiceMapNode::Kind::Stream;
    n.key = mapStreamKey(name);
    n.stream = name;
    n.name = name;
    n.rank = rank;
    n.order = order;
    n.length = length;
    return n;
}

inline ServiceMapNode groupNode(const QByteArray &stream, const QByteArray &group, int rank,
                                int order, QList<ServiceMapConsumer> consumers = {}) {
    ServiceMapNode n;
    n.kind = ServiceMapNode::Kind::Group;
    n.key = mapGroupKey(stream, group);
    n.stream = stream;
    n.name = group;
    n.rank = rank;
    n.order = order;
    n.lag = 0;
    n.consumers = std::move(consumers);
    for (const ServiceMapConsumer &c : n.consumers)
        n.pending += c.pending;
    return n;
}

inline ServiceMapNode producerNode(const QByteArray &name, int rank, int order) {
    ServiceMapNode n;
    n.kind = ServiceMapNode::Kind::Producer;
    n.key = mapProducerKey(name);
    n.name = name;
    n.inferred = true;
    n.rank = rank;
    n.order = order;
    return n;
}

inline ServiceMapEdge produces(const QString &from, const QString &to, std::optional<double> rate) {
    ServiceMapEdge e;
    e.kind = ServiceMapEdge::Kind::Produces;
    e.from = from;
    e.to = to;
    e.perSecond = rate;
    e.inferred = true;
    return e;
}

inline ServiceMapEdge delivers(const QString &from, const QString &to, std::optional<double> rate,
                               std::optional<double> acks) {
    ServiceMapEdge e;
    e.kind = ServiceMapEdge::Kind::Delivers;
    e.from = from;
    e.to = to;
    e.perSecond = rate;
    e.acksPerSecond = acks;
    return e;
}

// order-service -> order-events -> payment-service (2 consumers, one dead) -> payment-events ->
// order-service / notification-service (lagging), as the demo shop runs; order-service both
// produces and consumes, so it is one node (its group's key) that the last arrow comes back to.
// rate scales every rate (an update with other figures).
inline ServiceMap shopMap(double rate = 1.0) {
    ServiceMap map;
    map.atMs = QDateTime::currentMSecsSinceEpoch();
    ServiceMapNode order =
        groupNode("payment-events", "order-service", 0, 0, {{"order-service-1", 0, 400, false}});
    order.alsoProduces = true;
    ServiceMapNode payment =
        groupNode("order-events", "payment-service", 2, 0,
                  {{"payment-1", 3, 120, false}, {"payment-2", 5, 7'200'000, true}});
    payment.alsoProduces = true;
    payment.health = Severity::Critical;
    payment.healthText = QStringLiteral("payment-2 is dead: idle 2 h with 5 pending entries");
    ServiceMapNode notification =
        groupNode("payment-events", "notification-service", 4, 0, {{"notify-1", 1, 900, false}});
    notification.health = Severity::Warning;
    notification.healthText = QStringLiteral("lagging: 1,200 entries behind and growing");
    notification.lag = 1200;
    map.nodes = {order, streamNode("order-events", 1, 0, 10'432), payment,
                 streamNode("payment-events", 3, 0, 9'876), notification};
    const QString o = order.key, p = payment.key, n = notification.key;
    map.edges = {produces(o, mapStreamKey("order-events"), 12.3 * rate),
                 delivers(mapStreamKey("order-events"), p, 8.0 * rate, 7.9 * rate),
                 produces(p, mapStreamKey("payment-events"), 7.9 * rate),
                 delivers(mapStreamKey("payment-events"), o, 7.9 * rate, 7.9 * rate),
                 delivers(mapStreamKey("payment-events"), n, 3.1 * rate, 3.0 * rate)};
    map.producersNote = QStringLiteral("Producers inferred from CLIENT LIST over the last 30 s.");
    return map;
}

// 50 streams, each with 1 to 3 groups, and 10 inferred producers writing to 5 streams each.
// Some names are long (one very long) and one group per ten lags.
inline ServiceMap fiftyStreamsMap(double rate = 1.0) {
    ServiceMap map;
    map.atMs = QDateTime::currentMSecsSinceEpoch();
    int groupOrder = 0;
    for (int p = 0; p < 10; ++p)
        map.nodes.append(producerNode(QStringLiteral("svc-%1-writer").arg(p).toUtf8(), 0, p));
    for (int s = 0; s < 50; ++s) {
        QByteArray name =
            QStringLiteral("tenant-%1.orders.events").arg(s, 2, 10, QLatin1Char('0')).toUtf8();
        if (s % 7 == 3)
            name += ".with-a-rather-longer-name";
        if (s == 17)
            name = "a-very-long-stream-name-that-nobody-would-want-to-type-twice-but-someone-did-"
                   "anyway-in-production.v2";
        map.nodes.append(streamNode(name, 1, s, 1000 * (s + 1)));
        const QString sk = mapStreamKey(name);
        map.edges.append(
            produces(mapProducerKey(QStringLiteral("svc-%1-writer").arg(s / 5).toUtf8()), sk,
                     rate * (s + 0.5)));
        for (int g = 0; g < 1 + s % 3; ++g) {
            const QByteArray group = QStringLiteral("group-%1-%2").arg(s).arg(g).toUtf8();
            ServiceMapNode node =
                groupNode(name, group, 2, groupOrder++,
                          {{QStringLiteral("worker-%1").arg(g).toUtf8(), g, 1000L * g, false},
                           {QStringLiteral("worker-%1b").arg(g).toUtf8(), 0, 500, s % 13 == 5}});
            if (s % 10 == 4) {
                node.health = Severity::Warning;
                node.healthText = QStringLiteral("lagging: %1 entries behind").arg(100 * s);
                node.lag = 100 * s;
            }
            if (s % 13 == 5) {
                node.health = Severity::Critical;
                node.healthText = QStringLiteral("worker-%1b is dead").arg(g);
            }
            map.nodes.append(node);
            map.edges.append(delivers(sk, node.key, rate * (s + 1), rate * s));
        }
    }
    map.producersNote = QStringLiteral("Producers inferred from CLIENT LIST over the last 30 s.");
    map.limitNote = QStringLiteral("50 of 50 streams shown.");
    return map;
}

} // namespace streamscope::test
