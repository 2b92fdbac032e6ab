#include <QTest>
class T : public QObject {
    Q_OBJECT private Q_SLOTS : void placeholder() { QFAIL("not written yet"); }
};
QTEST_MAIN(T)
#include "tst_liveeventmodel.moc"
