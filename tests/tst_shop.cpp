// The reference shop as real processes against a real redis-server.
#include "LocalRedisServer.h"
#include "ServiceProcess.h"
#include "ShopChecks.h"
#include "ShopDemo.h"
#include "Stores.h"
#include "StreamEntry.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace streamscope;
using namespace streamscope::test;

namespace {

using Service = test::ServiceProcess;
using test::binDir;

struct Http {
    int status = 0;
    QJsonObject body;
};

} // namespace

class TestShop : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<Service> service(const QString &program, QStringList args) {
        args.prepend(m_server.url());
        args.prepend(QStringLiteral("--url"));
        auto s = std::make_unique<Service>(
            program, args, m_dir->filePath(program + QString::number(m_logCounter++) + ".log"));
        if (!s->start())
            QTest::qFail(qPrintable(QStringLiteral("cannot start ") + program), __FILE__, __LINE__);
        return s;
    }
    std::unique_ptr<Service> orderService(QStringList extra = {}) {
        return service(QStringLiteral("order-service"),
                       QStringList{QStringLiteral("--http"), QStringLiteral("0"),
                                   QStringLiteral("--db"), m_dir->filePath("orders.db")}
                           + extra);
    }
    std::unique_ptr<Service> paymentService(const QString &consumer, QStringList extra = {}) {
        return service(QStringLiteral("payment-service"),
                       QStringList{QStringLiteral("--consumer"), consumer, QStringLiteral("--db"),
                                   m_dir->filePath("payments.db"),
                                   QStringLiteral("--claim-idle-ms"), QStringLiteral("1000")}
                           + extra);
    }
    Http request(int port, const QByteArray &method, const QString &path,
                 const QByteArray &body = {}) {
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        QNetworkReply *reply = m_http.sendCustomRequest(req, method, body);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(10000);
        Http out{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                 QJsonDocument::fromJson(reply->readAll()).object()};
        reply->deleteLater();
        return out;
    }
    qint64 xlen(const QByteArray &stream) { return test::streamLength(*m_admin, stream); }
    qint64 pendingCount(const QByteArray &stream, const QByteArray &group) {
        return test::pendingCount(*m_admin, stream, group);
    }
    StreamEntryList readAll(const QByteArray &stream) { return test::readAll(*m_admin, stream); }
    QHash<QString, qint64> orderStatuses() {
        return test::orderStatuses(m_dir->filePath("orders.db"));
    }

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_admin = connectTo(m_server.settings());
        run(*m_admin, {"FLUSHALL"});
    }
    void cleanup() {
        if (QTest::currentTestFailed())
            for (const QString &name : QDir(m_dir->path()).entryList({QStringLiteral("*.log")}))
                qWarning("%s:\n%s", qPrintable(name), qPrintable(QString::fromUtf8([&] {
                             QFile f(m_dir->filePath(name));
                             f.open(QIODevice::ReadOnly);
                             return f.readAll().right(3000);
                         }())));
    }

    // 2,000 orders through two payment instances while one is SIGKILLed three times at random
    // moments: every order gets exactly one payment event, the matching status, and nothing is
    // left pending.
    void everyOrderPaidExactlyOnceDespiteCrashes() {
        const int orders = 2000;
        auto ordersService = orderService({QStringLiteral("--generate"), QStringLiteral("400"),
                                           QStringLiteral("--orders"), QString::number(orders)});
        auto steady = paymentService(QStringLiteral("p1"),
                                     {QStringLiteral("--fail-rate"), QStringLiteral("0.1")});
        auto victim = paymentService(QStringLiteral("p2"),
                                     {QStringLiteral("--fail-rate"), QStringLiteral("0.1")});
        auto *random = QRandomGenerator::global();
        for (int kill = 0; kill < 3; ++kill) {
            QTest::qWait(random->bounded(300, 1300));
            victim->kill();
            QTest::qWait(random->bounded(100, 600));
            QVERIFY(victim->start());
        }

        QTRY_COMPARE_WITH_TIMEOUT(xlen("payment-events"), qint64(orders), 90000);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount("order-events", "payment-service"), qint64(0),
                                  30000);
        QTRY_COMPARE_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("placed")), qint64(0),
                                  30000);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount("payment-events", "order-service"), qint64(0),
                                  30000);
        QTest::qWait(1500); // anything still in flight would show up now
        QCOMPARE(xlen("payment-events"), qint64(orders));
        QCOMPARE(xlen("order-events"), qint64(orders));

        // Exactly one event per order, whose outcome the order database agrees with.
        const test::PaymentOutcomes outcome = test::paymentOutcomes(*m_admin);
        QVERIFY2(outcome.twice.isEmpty(), qPrintable(outcome.twiceText()));
        QCOMPARE(qint64(outcome.byOrder.size()), qint64(orders));
        QCOMPARE(outcome.byOrder.begin()->first, qint64(1));
        QCOMPARE(outcome.byOrder.rbegin()->first, qint64(orders));
        const qint64 completed = outcome.completed();
        const QHash<QString, qint64> statuses = orderStatuses();
        QCOMPARE(statuses.value(QStringLiteral("paid")), completed);
        QCOMPARE(statuses.value(QStringLiteral("payment_failed")), qint64(orders) - completed);
        QVERIFY(completed > orders * 0.8 && completed < orders); // --fail-rate 0.1 took effect
        QCOMPARE(xlen("{order-events}:dlq"), qint64(0));
        QVERIFY(victim->log().contains(QLatin1String("consuming order-events")));
    }

    // Orders are taken while no payment instance runs; the backlog is paid once one starts.
    void ordersAcceptedWhilePaymentsAreDown() {
        auto orders = orderService();
        QTRY_VERIFY(orders->httpPort() > 0);
        const int port = orders->httpPort();
        for (int i = 0; i < 5; ++i) {
            const Http r = request(
                port, "POST", QStringLiteral("/orders"),
                R"({"userId":"u1","items":[{"sku":"A","qty":1}],"amount":1250,"currency":"EUR"})");
            QCOMPARE(r.status, 201);
            QCOMPARE(r.body.value(QStringLiteral("status")).toString(), QStringLiteral("placed"));
        }
        QTRY_COMPARE(xlen("order-events"), qint64(5));
        QCOMPARE(request(port, "GET", QStringLiteral("/orders/3")).body.value("status").toString(),
                 QStringLiteral("placed"));

        auto payments = paymentService(QStringLiteral("late"));
        QTRY_COMPARE_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("paid")), qint64(5), 20000);
        const Http paid = request(port, "GET", QStringLiteral("/orders/3"));
        QCOMPARE(paid.body.value(QStringLiteral("status")).toString(), QStringLiteral("paid"));
        QVERIFY(paid.body.value(QStringLiteral("paymentId")).toString().startsWith("pay-"));
    }

    // A message the payment service cannot process goes to the dead-letter stream after
    // --max-deliveries, and the group moves on.
    void poisonMessageIsDeadLettered() {
        auto payments = paymentService(QStringLiteral("p1"),
                                       {QStringLiteral("--max-deliveries"), QStringLiteral("3"),
                                        QStringLiteral("--retry-ms"), QStringLiteral("100")});
        QTRY_VERIFY(payments->log().contains(QLatin1String("consuming")));
        const QByteArray poison = run(*m_admin, {"XADD", "order-events", "*", "type",
                                                 "order.created", "amount", "abc", "orderId", "77"})
                                      .bytes();
        run(*m_admin, {"XADD", "order-events", "*", "type", "order.created", "orderId", "78",
                       "amount", "100", "currency", "EUR"});
        QTRY_COMPARE_WITH_TIMEOUT(xlen("{order-events}:dlq"), qint64(1), 15000);
        const StreamEntryList dlq = readAll("{order-events}:dlq");
        const StreamEntry &dead = dlq.first();
        QCOMPARE(dead.value("dlq.id"), poison);
        QCOMPARE(dead.value("dlq.stream"), QByteArray("order-events"));
        QCOMPARE(dead.value("dlq.deliveries"), QByteArray("3"));
        QVERIFY(dead.value("dlq.reason").contains("amount \"abc\""));
        QCOMPARE(dead.value("amount"), QByteArray("abc")); // the original fields travel with it
        QTRY_COMPARE(pendingCount("order-events", "payment-service"), qint64(0));
        QCOMPARE(xlen("payment-events"), qint64(1)); // the good order was paid meanwhile
    }

    void httpRejectsBadOrders_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mentions");
        const QByteArray item = R"([{"sku":"A","qty":1}])";
        auto order = [](const QByteArray &items,
                        const QByteArray &rest = "\"amount\":5,\"currency\":\"EUR\"") {
            return "{\"userId\":\"u\",\"items\":" + items + "," + rest + "}";
        };
        QTest::newRow("not json") << QByteArray("{oops") << "not valid JSON";
        QTest::newRow("array") << QByteArray("[1,2]") << "JSON object";
        QTest::newRow("no user") << QByteArray(R"({"items":[1],"amount":5,"currency":"EUR"})")
                                 << "userId";
        QTest::newRow("no items") << QByteArray(R"({"userId":"u","amount":5,"currency":"EUR"})")
                                  << "items";
        QTest::newRow("negative amount")
            << order(item, R"("amount":-5,"currency":"EUR")") << "amount";
        QTest::newRow("fractional cents")
            << order(item, R"("amount":10.5,"currency":"EUR")") << "amount";
        QTest::newRow("amount as text")
            << order(item, R"("amount":"5","currency":"EUR")") << "amount";
        QTest::newRow("bad currency")
            << order(item, R"("amount":5,"currency":"euro")") << "currency";
        // Items: objects with a non-empty string sku and a whole qty > 0.
        QTest::newRow("item not an object") << order("[1]") << "items[0] must be an object";
        QTest::newRow("second item a string")
            << order(R"([{"sku":"A","qty":1},"B"])") << "items[1] must be an object";
        QTest::newRow("no sku") << order(R"([{"qty":1}])") << "items[0]: sku";
        QTest::newRow("empty sku") << order(R"([{"sku":" ","qty":1}])") << "items[0]: sku";
        QTest::newRow("sku a number") << order(R"([{"sku":7,"qty":1}])") << "items[0]: sku";
        QTest::newRow("no qty") << order(R"([{"sku":"A"}])") << "items[0]: qty";
        QTest::newRow("zero qty") << order(R"([{"sku":"A","qty":0}])") << "items[0]: qty";
        QTest::newRow("negative qty") << order(R"([{"sku":"A","qty":-2}])") << "items[0]: qty";
        QTest::newRow("fractional qty") << order(R"([{"sku":"A","qty":1.5}])") << "items[0]: qty";
        QTest::newRow("qty as text") << order(R"([{"sku":"A","qty":"2"}])") << "items[0]: qty";
        QTest::newRow("huge qty") << order(R"([{"sku":"A","qty":1e300}])") << "items[0]: qty";
    }
    void httpRejectsBadOrders() {
        QFETCH(QByteArray, body);
        QFETCH(QString, mentions);
        auto orders = orderService();
        QTRY_VERIFY(orders->httpPort() > 0);
        const Http r = request(orders->httpPort(), "POST", QStringLiteral("/orders"), body);
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.value(QStringLiteral("error")).toString().contains(mentions),
                 qPrintable(r.body.value(QStringLiteral("error")).toString()));
        QTest::qWait(300); // the relay would have published by now
        QCOMPARE(xlen("order-events"), qint64(0));
        QVERIFY(orderStatuses().isEmpty());
    }

    // A body over 1 MiB gets 413 and never reaches the store or order-events: one POST used to
    // put a 47 MB entry into the stream.
    void httpRefusesBodiesOverTheLimit() {
        auto orders = orderService();
        QTRY_VERIFY(orders->httpPort() > 0);
        const int port = orders->httpPort();
        // A valid order but for its size: one 2 MiB sku.
        const QByteArray huge =
            QJsonDocument(
                QJsonObject{{"userId", "u"},
                            {"items",
                             QJsonArray{QJsonObject{
                                 {"sku", QString(2 * 1024 * 1024, QLatin1Char('x'))}, {"qty", 1}}}},
                            {"amount", 5},
                            {"currency", "EUR"}})
                .toJson(QJsonDocument::Compact);
        const Http r = request(port, "POST", QStringLiteral("/orders"), huge);
        QCOMPARE(r.status, 413);
        QVERIFY2(
            r.body.value(QStringLiteral("error")).toString().contains(QLatin1String("1048576")),
            qPrintable(r.body.value(QStringLiteral("error")).toString()));

        // Refused from the headers alone, before any of the body is sent.
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, quint16(port));
        QVERIFY(raw.waitForConnected(5000));
        raw.write("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Content-Length: 47000000\r\n\r\n");
        QByteArray early;
        for (int i = 0; i < 50 && !early.contains("\r\n\r\n"); ++i)
            if (raw.waitForReadyRead(100))
                early += raw.readAll();
        QVERIFY2(early.startsWith("HTTP/1.1 413"), early.constData());

        // The service still takes a good order afterwards, and only that one is published.
        const Http good = request(
            port, "POST", QStringLiteral("/orders"),
            R"({"userId":"u1","items":[{"sku":"A","qty":1}],"amount":1250,"currency":"EUR"})");
        QCOMPARE(good.status, 201);
        QTRY_COMPARE(xlen("order-events"), qint64(1));
        QTest::qWait(300);
        QCOMPARE(xlen("order-events"), qint64(1));
        qint64 stored = 0;
        for (const qint64 n : orderStatuses())
            stored += n;
        QCOMPARE(stored, qint64(1));
    }

    // An upload that stalls gets 408 once the request time limit passes, and its connection
    // is closed; nothing is stored.
    void httpTimesOutSlowUploads() {
        auto orders =
            orderService({QStringLiteral("--request-timeout-ms"), QStringLiteral("1000")});
        QTRY_VERIFY(orders->httpPort() > 0);
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, quint16(orders->httpPort()));
        QVERIFY(raw.waitForConnected(5000));
        raw.write("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Content-Length: 100\r\n\r\n{\"userId\":");
        QElapsedTimer waited;
        waited.start();
        QByteArray answer;
        while (waited.elapsed() < 10000 && !answer.contains("\r\n\r\n"))
            if (raw.waitForReadyRead(100))
                answer += raw.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 408"), answer.constData());
        QVERIFY2(waited.elapsed() >= 800, qPrintable(QString::number(waited.elapsed())));
        // Closed by the service: reading ends.
        for (int i = 0; i < 100 && raw.state() == QAbstractSocket::ConnectedState; ++i)
            raw.waitForReadyRead(100);
        QCOMPARE(raw.state(), QAbstractSocket::UnconnectedState);
        QVERIFY(orderStatuses().isEmpty());
        QCOMPARE(xlen("order-events"), qint64(0));
    }

    void httpLookups() {
        auto orders = orderService();
        QTRY_VERIFY(orders->httpPort() > 0);
        const int port = orders->httpPort();
        const Http unknown = request(port, "GET", QStringLiteral("/orders/4711"));
        QCOMPARE(unknown.status, 404);
        QCOMPARE(unknown.body.value(QStringLiteral("error")).toString(),
                 QStringLiteral("no order 4711"));
        QCOMPARE(request(port, "GET", QStringLiteral("/orders/abc")).status, 400);
        const Http placed = request(
            port, "POST", QStringLiteral("/orders"),
            R"({"userId":"u9","items":[{"sku":"B","qty":2}],"amount":999,"currency":"USD"})");
        QCOMPARE(placed.status, 201);
        const QString id = placed.body.value(QStringLiteral("orderId")).toString();
        const Http got = request(port, "GET", QStringLiteral("/orders/") + id);
        QCOMPARE(got.status, 200);
        QCOMPARE(got.body.value(QStringLiteral("userId")).toString(), QStringLiteral("u9"));
        QCOMPARE(got.body.value(QStringLiteral("amount")).toInt(), 999);
        QCOMPARE(got.body.value(QStringLiteral("currency")).toString(), QStringLiteral("USD"));
        QTRY_COMPARE(xlen("order-events"), qint64(1));
        const StreamEntry event = readAll("order-events").first();
        QCOMPARE(event.value("type"), QByteArray("order.created"));
        QCOMPARE(event.value("orderId"), id.toUtf8());
        QCOMPARE(event.value("userId"), QByteArray("u9"));
        QCOMPARE(event.value("amount"), QByteArray("999"));
    }

    void faultSwitches() {
        for (int i = 1; i <= 10; ++i)
            run(*m_admin, {"XADD", "order-events", "*", "type", "order.created", "orderId",
                           QByteArray::number(i), "amount", "100", "currency", "EUR"});
        auto crasher = paymentService(QStringLiteral("crasher"),
                                      {QStringLiteral("--crash-after"), QStringLiteral("4")});
        QTRY_VERIFY(!crasher->running());
        QCOMPARE(crasher->exitCode(), 70);
        // It left what it had received pending, under its name.
        const RedisReply pending = run(*m_admin, {"XPENDING", "order-events", "payment-service"});
        QVERIFY(pending.at(0).integer() > 0);
        QCOMPARE(pending.at(3).at(0).at(0).bytes(), QByteArray("crasher"));

        auto staller = paymentService(QStringLiteral("staller"),
                                      {QStringLiteral("--stall-after"), QStringLiteral("0")});
        QTRY_VERIFY(staller->log().contains(QLatin1String("stalling")));
        QVERIFY(staller->running());
        QCOMPARE(xlen("payment-events"), qint64(0));

        // A healthy instance takes over the crashed one's work once it is idle long enough.
        auto healthy = paymentService(QStringLiteral("healthy"));
        QTRY_COMPARE_WITH_TIMEOUT(xlen("payment-events"), qint64(10), 15000);
        QTRY_VERIFY(healthy->log().contains(QLatin1String("claimed")));
    }

    // The demo starts (and restarts) each service with the URL currentUrl gives at that moment:
    // on the demo cluster a service restarted after the node in redisUrl was killed starts from
    // one that runs (the issue 10 review saw payments-2 retry a dead node for ever).
    void demoStartsServicesFromTheCurrentUrl() {
        shop::ShopDemo::Options options;
        options.binDir = binDir();
        options.dataDir = m_dir->path();
        options.redisUrl = QStringLiteral("redis://127.0.0.1:1"); // nothing listens there
        options.currentUrl = [this] { return m_server.url(); };
        options.ordersPerSecond = 50;
        options.crashing = false;
        shop::ShopDemo demo(options);
        const Error started = demo.start();
        QVERIFY2(!started, qPrintable(started.message));
        QTRY_VERIFY_WITH_TIMEOUT(xlen("payment-events") > 0, 20000);
        demo.stop();
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RedisConnection> m_admin;
    QNetworkAccessManager m_http;
    int m_logCounter = 0;
};

QTEST_GUILESS_MAIN(TestShop)
#include "tst_shop.moc"
