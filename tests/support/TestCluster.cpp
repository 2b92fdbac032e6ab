#include "TestCluster.h"

#include "ClusterSlots.h"

#include <QTest>

namespace streamscope::test {

ConnectionSettings settingsAt(const ConnectionSettings &base, const QString &endpoint) {
    ConnectionSettings s = base;
    const qsizetype colon = endpoint.lastIndexOf(QLatin1Char(':'));
    s.host = endpoint.left(colon);
    s.port = quint16(endpoint.mid(colon + 1).toUInt());
    return s;
}

std::unique_ptr<ClusterClient> openCluster(const ConnectionSettings &settings) {
    auto client = std::make_unique<ClusterClient>(settings);
    if (const Error e = client->open())
        QTest::qFail(qPrintable(QStringLiteral("cannot open the cluster: ") + e.message), __FILE__,
                     __LINE__);
    return client;
}

QByteArray keyOn(const ClusterClient &client, const QString &endpoint, const QByteArray &prefix) {
    for (int i = 0; i < 100000; ++i) {
        const QByteArray key = prefix + ':' + QByteArray::number(i);
        if (client.endpointForSlot(cluster::keySlot(key)) == endpoint)
            return key;
    }
    return {};
}

} // namespace streamscope::test
