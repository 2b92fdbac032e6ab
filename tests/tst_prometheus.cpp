// A real Prometheus (Debian's package) scrapes a real `streamscope-cli serve` watching a real
// redis-server: the lag read back through Prometheus' HTTP API is the lag XINFO GROUPS gives,
// and follows it; the Grafana dashboard's every expression parses and returns data, over
// metric names serve exports.
#include "CliProcess.h"
#include "ServiceProcess.h"
#include "TestPrometheus.h"
#include "TestRedis.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>
#include <optional>

using namespace streamscope;
using namespace streamscope::test;

namespace {

const QString serveJob = QStringLiteral("streamscope");

// One PromQL expression of the dashboard, with where it was found (for failure messages).
struct DashboardQuery {
    QString where; // "panel 'Lag' A", "variable stream"
    QString expr;
};

void collectPanelQueries(const QJsonArray &panels, QList<DashboardQuery> &out) {
    for (const QJsonValue &p : panels) {
        const QJsonObject panel = p.toObject();
        for (const QJsonValue &t : panel.value(QStringLiteral("targets")).toArray()) {
            const QJsonObject target = t.toObject();
            out.append({QStringLiteral("panel '%1' %2")
                            .arg(panel.value(QStringLiteral("title")).toString(),
                                 target.value(QStringLiteral("refId")).toString()),
                        target.value(QStringLiteral("expr")).toString()});
        }
        // A collapsed row holds its panels.
        collectPanelQueries(panel.value(QStringLiteral("panels")).toArray(), out);
    }
}

QList<DashboardQuery> dashboardQueries(const QJsonObject &dashboard) {
    QList<DashboardQuery> out;
    collectPanelQueries(dashboard.value(QStringLiteral("panels")).toArray(), out);
    for (const QJsonValue &v : dashboard.value(QStringLiteral("templating"))
                                   .toObject()
                                   .value(QStringLiteral("list"))
                                   .toArray()) {
        const QJsonObject variable = v.toObject();
        if (variable.value(QStringLiteral("type")).toString() != QLatin1String("query"))
            continue;
        // Older Grafana keeps the query as a string, newer ones as {query: ...}.
        const QJsonValue q = variable.value(QStringLiteral("query"));
        out.append(
            {QStringLiteral("variable %1").arg(variable.value(QStringLiteral("name")).toString()),
             q.isObject() ? q.toObject().value(QStringLiteral("query")).toString() : q.toString()});
    }
    return out;
}

// What Grafana would send with every variable at "All": template variables become .* (the
// dashboard matches them with =~), interval macros a duration that spans a few scrapes.
QString substituted(QString expr) {
    static const QRegularExpression macro(QStringLiteral(R"(\$\{?__[a-z_]+\}?)"));
    static const QRegularExpression variable(
        QStringLiteral(R"(\$\{\w+(:\w+)?\}|\$\w+|\[\[\w+\]\])"));
    expr.replace(macro, QStringLiteral("15s"));
    expr.replace(variable, QStringLiteral(".*"));
    return expr;
}

// Grafana's label_values(SELECTOR, LABEL): not PromQL. Its series selector and label, or
// nothing for a plain expression.
std::optional<std::pair<QString, QString>> labelValues(const QString &query) {
    static const QRegularExpression form(
        QStringLiteral(R"(^\s*label_values\((.*),\s*([A-Za-z_]\w*)\s*\)\s*$)"));
    const auto m = form.match(query);
    if (!m.hasMatch())
        return std::nullopt;
    return std::make_pair(m.captured(1), m.captured(2));
}

// The metric names an expression reads. Not a PromQL parser, but enough for the dashboard's
// expressions: strings, label matchers, ranges and grouping label lists are removed; what
// is left that is an identifier and not a function call or keyword is a metric name.
QSet<QString> metricNames(QString expr) {
    // (Not a raw string: moc misreads a raw string literal that starts with a quote, and then
    // finds no Q_OBJECT in the file.)
    static const QRegularExpression strings(QStringLiteral("\"(?:[^\"\\\\]|\\\\.)*\""));
    static const QRegularExpression braces(QStringLiteral(R"(\{[^}]*\}|\[[^\]]*\])"));
    static const QRegularExpression grouping(
        QStringLiteral(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))"));
    static const QRegularExpression identifier(
        QStringLiteral(R"((?<![\w.])([A-Za-z_:][\w:]*)\b(?!\s*\())"));
    static const QSet<QString> keywords{
        QStringLiteral("and"),        QStringLiteral("or"),          QStringLiteral("unless"),
        QStringLiteral("bool"),       QStringLiteral("offset"),      QStringLiteral("by"),
        QStringLiteral("without"),    QStringLiteral("on"),          QStringLiteral("ignoring"),
        QStringLiteral("group_left"), QStringLiteral("group_right"), QStringLiteral("inf"),
        QStringLiteral("nan")};
    expr.remove(strings);
    expr.remove(braces);
    expr.remove(grouping);
    QSet<QString> names;
    for (auto it = identifier.globalMatch(expr); it.hasNext();) {
        const QString word = it.next().captured(1);
        if (!keywords.contains(word.toLower()))
            names.insert(word);
    }
    return names;
}

template <typename T> T valueOr(const Result<T> &result, T fallback) {
    return result.ok() ? result.value() : fallback;
}

QString compact(const QJsonArray &array) {
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact).left(600));
}

} // namespace

class TestPrometheusScrape : public QObject {
    Q_OBJECT
private:
    // XINFO GROUPS lag of a group: -1 when Redis does not know it, -2 without such a group.
    qint64 xinfoLag(const QByteArray &stream, const QByteArray &group) {
        const RedisReply groups = run(*m_db, {"XINFO", "GROUPS", stream});
        for (const RedisReply &g : groups.elements()) {
            const RedisReply *name = g.field("name");
            if (!name || name->bytes() != group)
                continue;
            const RedisReply *lag = g.field("lag");
            qint64 value = -1;
            return lag && lag->toInteger(&value) ? value : -1;
        }
        return -2;
    }

    // The lag series of orders/billing as Prometheus has it now; NaN while it has none.
    double promLag() {
        const auto value = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_lag_entries{job="streamscope",stream="orders",group="billing"})"));
        m_lastPromError = value.ok() ? QString() : value.error().message;
        return value.ok() ? value.value() : qQNaN();
    }

    // The distinct values of a range vector's only series, in time order.
    QList<double> historyOf(const QString &rangeExpr) {
        const auto result = m_prometheus->query(rangeExpr);
        if (!result.ok() || result->size() != 1) {
            m_lastPromError = result.ok() ? compact(result.value()) : result.error().message;
            return {};
        }
        QList<double> values;
        for (const QJsonValue &sample :
             result->at(0).toObject().value(QStringLiteral("values")).toArray()) {
            const double v = sample.toArray().at(1).toString().toDouble();
            if (values.isEmpty() || values.last() != v)
                values.append(v);
        }
        return values;
    }

    // serve's target health in Prometheus ("up", "down", "unknown"), or why it has none.
    QString targetHealth() const {
        const auto target = m_prometheus->target(serveJob);
        return target.ok() ? target->value(QStringLiteral("health")).toString()
                           : target.error().message;
    }

    // Empty when the expression returns data (then in result), else why not.
    QString dataProblem(const QString &expr, QJsonArray &result) const {
        const auto answer = m_prometheus->query(expr);
        if (!answer.ok())
            return answer.error().message;
        result = answer.value();
        return result.isEmpty() ? QStringLiteral("no data") : QString();
    }

    QString serveLog() const { return m_serve ? m_serve->log().right(3000) : QString(); }

    // The names serve's /metrics declares (# TYPE lines).
    QSet<QString> serveMetricNames() {
        const HttpReply metrics = httpGet(m_servePort, "/metrics");
        QSet<QString> names;
        for (const QByteArray &line : metrics.body.split('\n'))
            if (line.startsWith("# TYPE "))
                names.insert(QString::fromUtf8(line.split(' ').value(2)));
        return names;
    }

    QJsonObject loadDashboard() {
        QFile file(QStringLiteral(STREAMSCOPE_GRAFANA_DASHBOARD));
        if (!file.open(QIODevice::ReadOnly)) {
            QTest::qFail(qPrintable(file.fileName() + QStringLiteral(": ") + file.errorString()),
                         __FILE__, __LINE__);
            return {};
        }
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
        if (!doc.isObject())
            QTest::qFail(qPrintable(file.fileName() + QStringLiteral(" is not a JSON object: ")
                                    + error.errorString()),
                         __FILE__, __LINE__);
        return doc.object();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(m_tmp.isValid(), qPrintable(m_tmp.errorString()));
        QVERIFY2(QFile::exists(executablePath()),
                 qPrintable(executablePath() + QStringLiteral(" is not built")));
        STREAMSCOPE_START_REDIS(m_redis);
        m_db = connectTo(m_redis.settings());

        // orders: billing has read 4 of 10 entries and acknowledged none (lag 6, pending 4);
        // audit has no consumers (a finding). payments: Redis cannot count refunds' lag (an
        // entry it has not read was deleted).
        addEntries(*m_db, "orders", 0, 10);
        run(*m_db, {"XGROUP", "CREATE", "orders", "billing", "0"});
        run(*m_db,
            {"XREADGROUP", "GROUP", "billing", "c1", "COUNT", "4", "STREAMS", "orders", ">"});
        run(*m_db, {"XGROUP", "CREATE", "orders", "audit", "0"});
        addEntries(*m_db, "payments", 0, 5);
        run(*m_db, {"XGROUP", "CREATE", "payments", "refunds", "0"});
        const RedisReply third = run(*m_db, {"XRANGE", "payments", "-", "+", "COUNT", "3"});
        run(*m_db, {"XDEL", "payments", third.at(2).at(0).bytes()});
        QCOMPARE(xinfoLag("orders", "billing"), qint64(6));
        QCOMPARE(xinfoLag("payments", "refunds"), qint64(-1));

        m_serve = std::make_unique<ServiceProcess>(
            QStringLiteral("streamscope-cli"),
            QStringList{QStringLiteral("-u"), m_redis.url(), QStringLiteral("serve"),
                        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--interval"), QStringLiteral("1")},
            m_tmp.filePath(QStringLiteral("serve.log")));
        QVERIFY2(m_serve->start(), "streamscope-cli serve did not start");
        // Port 0: serve picks a free port and says which (no race with another process).
        QTRY_VERIFY_WITH_TIMEOUT(!m_serve->running() || m_serve->httpPort() > 0, 15000);
        m_servePort = quint16(m_serve->httpPort());
        // Until it says Redis answered (or it ends: then its log says why).
        QTRY_VERIFY_WITH_TIMEOUT(
            !m_serve->running()
                || httpGet(m_servePort, "/metrics", 1000).body.contains("\nstreamscope_up 1"),
            15000);
        QVERIFY2(m_serve->running(),
                 qPrintable(QStringLiteral("streamscope-cli serve ended (exit code %1). Its log:\n")
                                .arg(m_serve->exitCode())
                            + serveLog()));
        QVERIFY2(httpGet(m_servePort, "/metrics").body.contains("\nstreamscope_up 1"),
                 qPrintable(QStringLiteral("serve's /metrics never said streamscope_up 1. Its "
                                           "log:\n")
                            + serveLog()));

        m_prometheus = std::make_unique<TestPrometheus>();
        m_prometheus->addTarget({serveJob, QStringLiteral("127.0.0.1:%1").arg(m_servePort)});
        STREAMSCOPE_START_PROMETHEUS(*m_prometheus);
    }

    // Without the package the test fails and says what to install (here: a program that is
    // not there stands for the missing package).
    void missingPrometheusSaysWhatToInstall() {
        TestPrometheus::Options options;
        options.program = m_tmp.filePath(QStringLiteral("no-such-prometheus"));
        TestPrometheus missing(options);
        const Error e = missing.start();
        QVERIFY(e.isError());
        QVERIFY2(e.message.contains(QLatin1String("install Debian's prometheus package")),
                 qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("scripts/deps.sh")), qPrintable(e.message));
        QVERIFY(!missing.isRunning());
    }

    // A configuration Prometheus refuses is an error with its log, not a hang.
    void refusedConfigurationSaysWhy() {
        TestPrometheus bad;
        // Its own job is "prometheus" already: two jobs of one name are refused.
        bad.addTarget({QStringLiteral("prometheus"), QStringLiteral("127.0.0.1:1")});
        const Error e = bad.start(10000);
        QVERIFY(e.isError());
        QVERIFY2(e.message.contains(QLatin1String("exited")), qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("multiple scrape configs")),
                 qPrintable(e.message));
    }

    // The checks below read metric names out of the dashboard's expressions: that reading must
    // find every name (a missed one would escape the check) and nothing else.
    void metricNamesOfExpressions_data() {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QStringList>("names");
        QTest::newRow("selector") << R"(streamscope_up{job=~"$job"})"
                                  << QStringList{"streamscope_up"};
        QTest::newRow("rate by")
            << R"(sum by (stream, group) (rate(streamscope_group_entries_read_total{stream=~"a|b"}[$__rate_interval])))"
            << QStringList{"streamscope_group_entries_read_total"};
        QTest::newRow("and on") << R"(a_metric{x="y"} and on (job, instance) b:recorded == 1)"
                                << QStringList{"a_metric", "b:recorded"};
        QTest::newRow("functions and numbers")
            << R"(time() - max(streamscope_last_poll_timestamp_seconds) > 1.5e3)"
            << QStringList{"streamscope_last_poll_timestamp_seconds"};
        QTest::newRow("label value looks like a name")
            << R"(up{job="streamscope_up",x="rate(up[5m]) or"})" << QStringList{"up"};
        QTest::newRow("offset and bool") << R"(up offset 5m > bool 0)" << QStringList{"up"};
    }
    void metricNamesOfExpressions() {
        QFETCH(QString, expr);
        QFETCH(QStringList, names);
        QStringList found = metricNames(expr).values();
        found.sort();
        names.sort();
        QCOMPARE(found, names);
    }

    void substitutesVariablesAsAll() {
        QCOMPARE(substituted(QStringLiteral(
                     R"(rate(x{a=~"$stream",b=~"${group}",c=~"[[job]]"}[$__rate_interval]))")),
                 QStringLiteral(R"(rate(x{a=~".*",b=~".*",c=~".*"}[15s]))"));
        const auto lv = labelValues(QStringLiteral(R"(label_values(m{job=~"$job"}, group))"));
        QVERIFY(lv.has_value());
        QCOMPARE(lv->first, QStringLiteral(R"(m{job=~"$job"})"));
        QCOMPARE(lv->second, QStringLiteral("group"));
        QVERIFY(!labelValues(QStringLiteral("sum(m)")).has_value());
    }

    // The harness itself: Prometheus scrapes its own /metrics and answers queries.
    void prometheusScrapesItself() {
        QTRY_COMPARE_WITH_TIMEOUT(
            valueOr(m_prometheus->target(QStringLiteral("prometheus")), QJsonObject())
                .value(QStringLiteral("health"))
                .toString(),
            QStringLiteral("up"), 10000);
        // The target turns up at its first scrape, the samples are queryable a moment later.
        QTRY_COMPARE_WITH_TIMEOUT(
            valueOr(m_prometheus->query(QStringLiteral("prometheus_build_info")), QJsonArray())
                .size(),
            1, 5000);
        // A query Prometheus cannot parse is an error with its reason.
        const auto bad = m_prometheus->query(QStringLiteral("rate(up[)"));
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.contains(QLatin1String("bad_data")),
                 qPrintable(bad.error().message));
    }

    // Prometheus scrapes serve: the target is up, with no scrape error.
    void serveTargetIsUp() {
        QJsonObject target;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (target = valueOr(m_prometheus->target(serveJob), QJsonObject()))
                    .value(QStringLiteral("health"))
                == QLatin1String("up"),
            qPrintable(QString::fromUtf8(QJsonDocument(target).toJson(QJsonDocument::Compact))
                       + QStringLiteral("\nserve's log:\n") + serveLog()),
            15000);
        QCOMPARE(target.value(QStringLiteral("scrapeUrl")).toString(),
                 QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_servePort));
        QCOMPARE(target.value(QStringLiteral("lastError")).toString(), QString());
        const auto up = m_prometheus->scalarOf(QStringLiteral(R"(up{job="streamscope"})"));
        QVERIFY2(up.ok(), qPrintable(up.error().message));
        QCOMPARE(up.value(), 1.0);
        const auto redisUp =
            m_prometheus->scalarOf(QStringLiteral(R"(streamscope_up{job="streamscope"})"));
        QVERIFY2(redisUp.ok(), qPrintable(redisUp.error().message));
        QCOMPARE(redisUp.value(), 1.0);
    }

    // The lag Prometheus stores is the lag XINFO GROUPS gives, or where XINFO has none
    // (nil), StreamScope's own count, flagged as estimated.
    void lagReadBackEqualsXinfo() {
        const qint64 lag = xinfoLag("orders", "billing");
        QCOMPARE(lag, qint64(6));
        QTRY_VERIFY2_WITH_TIMEOUT(
            promLag() == double(lag),
            qPrintable(
                QStringLiteral("Prometheus has %1 (%2)").arg(promLag()).arg(m_lastPromError)),
            15000);
        const auto known = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_lag_known{job="streamscope",stream="orders",group="billing"})"));
        QVERIFY2(known.ok(), qPrintable(known.error().message));
        QCOMPARE(known.value(), 1.0);

        const auto notEstimated = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_lag_estimated{job="streamscope",stream="orders",group="billing"})"));
        QVERIFY2(notEstimated.ok(), qPrintable(notEstimated.error().message));
        QCOMPARE(notEstimated.value(), 0.0);

        // Where Redis cannot count the lag, StreamScope counts it and says it is its own count:
        // refunds, before the first entry, will receive all 4 entries of payments.
        QCOMPARE(xinfoLag("payments", "refunds"), qint64(-1));
        const auto estimated = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_lag_entries{job="streamscope",stream="payments",group="refunds"})"));
        QVERIFY2(estimated.ok(), qPrintable(estimated.error().message));
        QCOMPARE(estimated.value(), double(run(*m_db, {"XLEN", "payments"}).integer()));
        const auto flagged = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_lag_estimated{job="streamscope",stream="payments",group="refunds"})"));
        QVERIFY2(flagged.ok(), qPrintable(flagged.error().message));
        QCOMPARE(flagged.value(), 1.0);

        // Deliveries: the group's entries-read counter, as XINFO GROUPS has it.
        const auto read = m_prometheus->scalarOf(QStringLiteral(
            R"(streamscope_group_entries_read_total{job="streamscope",stream="orders",group="billing"})"));
        QVERIFY2(read.ok(), qPrintable(read.error().message));
        QCOMPARE(read.value(), 4.0);
    }

    // More entries: the series follows XINFO up; a read: down. Its history keeps each step.
    void lagSeriesFollowsChanges() {
        // In one transaction: a poll between the entries would put a step between 6 and 11.
        QList<Command> add{{"MULTI"}};
        for (int i = 0; i < 5; ++i)
            add.append({"XADD", "orders", "*", "seq", QByteArray::number(100 + i)});
        add.append({"EXEC"});
        QVERIFY(m_db->pipeline(add).ok());
        QCOMPARE(xinfoLag("orders", "billing"), qint64(11));
        QTRY_VERIFY2_WITH_TIMEOUT(
            promLag() == 11.0,
            qPrintable(
                QStringLiteral("Prometheus has %1 (%2)").arg(promLag()).arg(m_lastPromError)),
            15000);

        run(*m_db,
            {"XREADGROUP", "GROUP", "billing", "c1", "COUNT", "100", "STREAMS", "orders", ">"});
        QCOMPARE(xinfoLag("orders", "billing"), qint64(0));
        QTRY_VERIFY2_WITH_TIMEOUT(
            promLag() == 0.0,
            qPrintable(
                QStringLiteral("Prometheus has %1 (%2)").arg(promLag()).arg(m_lastPromError)),
            15000);

        const QList<double> history = historyOf(QStringLiteral(
            R"(streamscope_group_lag_entries{job="streamscope",stream="orders",group="billing"}[5m])"));
        QCOMPARE(history, (QList<double>{6, 11, 0}));
    }

    // Every expression of the Grafana dashboard parses in Prometheus and returns data from the
    // scraped serve (variables at "All"); each variable's label_values finds its label.
    void dashboardQueriesReturnData() {
        const QJsonObject dashboard = loadDashboard();
        const QList<DashboardQuery> queries = dashboardQueries(dashboard);
        QVERIFY2(queries.size() >= 20, qPrintable(QString::number(queries.size())));
        // Filters for a condition this scenario does not have: they must parse, and the series
        // they filter must have data.
        const QHash<QString, QString> noCondition{
            {QStringLiteral("panel 'Groups whose lag is estimated or unknown' B"),
             QStringLiteral("no group's lag is unknown here: StreamScope counts what Redis "
                            "cannot (unknown needs e.g. an ACL user without XRANGE)")}};
        for (const DashboardQuery &q : queries) {
            QVERIFY2(!q.expr.trimmed().isEmpty(), qPrintable(q.where + QStringLiteral(": empty")));
            const auto lv = labelValues(q.expr);
            QString expr = substituted(lv ? lv->first : q.expr);
            if (noCondition.contains(q.where)) {
                const auto parsed = m_prometheus->query(expr);
                QVERIFY2(parsed.ok(),
                         qPrintable(q.where + QStringLiteral(": ") + parsed.error().message));
                QVERIFY2(expr.contains(QLatin1String(" == ")), qPrintable(expr));
                expr = expr.section(QLatin1String(" == "), 0, 0);
            }
            QString why;
            QJsonArray result;
            // Rates need two scrapes in their window: give it a few.
            QTRY_VERIFY2_WITH_TIMEOUT(
                (why = dataProblem(expr, result)).isEmpty(),
                qPrintable(q.where + QStringLiteral(": ") + expr + QStringLiteral(": ") + why),
                10000);
            if (lv)
                for (const QJsonValue &series : result)
                    QVERIFY2(series.toObject()
                                 .value(QStringLiteral("metric"))
                                 .toObject()
                                 .contains(lv->second),
                             qPrintable(q.where + QStringLiteral(": no label ") + lv->second
                                        + QStringLiteral(" in ") + compact(result)));
        }
    }

    // The dashboard reads only what serve exports (and Prometheus' own up), and covers the
    // figures the issue asks for.
    void dashboardUsesServeMetrics() {
        const QSet<QString> exported = serveMetricNames();
        QVERIFY2(exported.contains(QStringLiteral("streamscope_up")), qPrintable(serveLog()));
        QSet<QString> used;
        for (const DashboardQuery &q : dashboardQueries(loadDashboard())) {
            const auto lv = labelValues(q.expr);
            const QSet<QString> names = metricNames(lv ? lv->first : q.expr);
            QVERIFY2(!names.isEmpty(),
                     qPrintable(q.where + QStringLiteral(": no metric in ") + q.expr));
            for (const QString &name : names)
                QVERIFY2(exported.contains(name) || name == QLatin1String("up"),
                         qPrintable(q.where + QStringLiteral(": ") + name
                                    + QStringLiteral(" is not exported by serve")));
            used.unite(names);
        }
        for (const char *required :
             {"streamscope_stream_entries_added_total", "streamscope_group_entries_read_total",
              "streamscope_group_lag_entries", "streamscope_group_time_lag_seconds",
              "streamscope_group_pending_entries", "streamscope_group_oldest_pending_age_seconds",
              "streamscope_consumer_idle_seconds", "streamscope_findings",
              "streamscope_poll_duration_seconds", "streamscope_commands_sent_total",
              "streamscope_up", "up"})
            QVERIFY2(used.contains(QLatin1String(required)), required);
    }

    // What Grafana needs to import it: a Prometheus data source variable every panel uses,
    // stream and group variables from label_values, panels on a 24-column grid that do not
    // overlap, unique ids.
    void dashboardIsImportable() {
        const QJsonObject dashboard = loadDashboard();
        QVERIFY(!dashboard.value(QStringLiteral("uid")).toString().isEmpty());
        QVERIFY(!dashboard.value(QStringLiteral("title")).toString().isEmpty());
        const int schema = dashboard.value(QStringLiteral("schemaVersion")).toInt();
        QVERIFY2(schema >= 36 && schema <= 41, qPrintable(QString::number(schema)));

        QHash<QString, QJsonObject> variables;
        for (const QJsonValue &v : dashboard.value(QStringLiteral("templating"))
                                       .toObject()
                                       .value(QStringLiteral("list"))
                                       .toArray())
            variables.insert(v.toObject().value(QStringLiteral("name")).toString(), v.toObject());
        const QJsonObject datasource = variables.value(QStringLiteral("datasource"));
        QCOMPARE(datasource.value(QStringLiteral("type")).toString(), QStringLiteral("datasource"));
        QCOMPARE(datasource.value(QStringLiteral("query")).toString(),
                 QStringLiteral("prometheus"));
        for (const QString &name : {QStringLiteral("stream"), QStringLiteral("group")}) {
            const QJsonObject v = variables.value(name);
            QCOMPARE(v.value(QStringLiteral("type")).toString(), QStringLiteral("query"));
            QVERIFY2(labelValues(v.value(QStringLiteral("query")).toString()).has_value(),
                     qPrintable(name));
            QCOMPARE(v.value(QStringLiteral("allValue")).toString(), QStringLiteral(".*"));
        }

        QSet<int> ids;
        QSet<QPair<int, int>> cells;
        const QJsonObject ds{{QStringLiteral("type"), QStringLiteral("prometheus")},
                             {QStringLiteral("uid"), QStringLiteral("${datasource}")}};
        for (const QJsonValue &p : dashboard.value(QStringLiteral("panels")).toArray()) {
            const QJsonObject panel = p.toObject();
            const QString title = panel.value(QStringLiteral("title")).toString();
            const int id = panel.value(QStringLiteral("id")).toInt();
            QVERIFY2(!ids.contains(id), qPrintable(title));
            ids.insert(id);
            const QJsonObject grid = panel.value(QStringLiteral("gridPos")).toObject();
            const int x = grid.value(QStringLiteral("x")).toInt();
            const int y = grid.value(QStringLiteral("y")).toInt();
            const int w = grid.value(QStringLiteral("w")).toInt();
            const int h = grid.value(QStringLiteral("h")).toInt();
            QVERIFY2(w > 0 && h > 0 && x >= 0 && x + w <= 24, qPrintable(title));
            for (int cx = x; cx < x + w; ++cx)
                for (int cy = y; cy < y + h; ++cy) {
                    QVERIFY2(!cells.contains({cx, cy}), qPrintable(title + " overlaps"));
                    cells.insert({cx, cy});
                }
            if (panel.value(QStringLiteral("type")).toString() == QLatin1String("row"))
                continue;
            QCOMPARE(panel.value(QStringLiteral("datasource")).toObject(), ds);
            const QJsonArray targets = panel.value(QStringLiteral("targets")).toArray();
            QVERIFY2(!targets.isEmpty(), qPrintable(title));
            for (const QJsonValue &t : targets)
                QCOMPARE(t.toObject().value(QStringLiteral("datasource")).toObject(), ds);
        }
    }

    // Redis down: serve still answers the scrape (target up) and says so (streamscope_up 0);
    // the group series stop instead of repeating old figures. serve gone: the target is down.
    void outagesSeenThroughPrometheus() {
        m_redis.kill();
        QTRY_VERIFY2_WITH_TIMEOUT(
            valueOr(m_prometheus->scalarOf(QStringLiteral(R"(streamscope_up{job="streamscope"})")),
                    -1.0)
                == 0.0,
            qPrintable(serveLog()), 20000);
        QCOMPARE(targetHealth(), QStringLiteral("up"));
        QTRY_VERIFY_WITH_TIMEOUT(std::isnan(promLag()), 10000);

        m_serve->stop();
        QTRY_COMPARE_WITH_TIMEOUT(targetHealth(), QStringLiteral("down"), 10000);
        const auto up = m_prometheus->scalarOf(QStringLiteral(R"(up{job="streamscope"})"));
        QVERIFY2(up.ok(), qPrintable(up.error().message));
        QCOMPARE(up.value(), 0.0);
    }

    void cleanupTestCase() {
        if (m_prometheus)
            m_prometheus->stop();
        if (m_serve)
            m_serve->stop();
    }

private:
    QTemporaryDir m_tmp;
    LocalRedisServer m_redis;
    std::unique_ptr<RedisConnection> m_db;
    quint16 m_servePort = 0;
    std::unique_ptr<ServiceProcess> m_serve;
    std::unique_ptr<TestPrometheus> m_prometheus;
    QString m_lastPromError;
};

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheus.moc"
