#include <QTest>
class TestAlerts : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"
