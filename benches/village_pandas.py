#!/usr/bin/env python3
"""indicators/village.yaml vectorised in pandas/numpy, the comparison of benches/scale.sh:
read the generated CSV, score the 16 items, the 5 vetoes and the grades, rank, write the ranked
CSV. Floats, not exact decimals, and a blank simply propagates NaN (an incomplete village gets no
total): the same work in the shape an analyst would write it, not a reference implementation
(that is fixtures/reference/kaohe_ref.py).

    python3 benches/village_pandas.py villages.csv ranked.csv
"""
import sys
import time

import numpy as np
import pandas as pd

t0 = time.time()
src, dst = sys.argv[1], sys.argv[2]
df = pd.read_csv(src, dtype={"单位代码": str})
yes = {"是": 1.0, "否": 0.0}


def b(col):
    return df[col].map(yes)


def deduct_below(v, target, per, pts, mx, started=False):
    gap = np.maximum(0, target - v) / per
    steps = np.ceil(gap - 1e-9) if started else np.floor(gap + 1e-9)
    return np.clip(mx - steps * pts, 0, mx)


births, pol, surv, plan = df["出生人数"], df["符合政策出生人数"], df["抽样调查出生人数"], df["年度出生计划数"]
policy_rate = np.where(births == 0, 100, (pol / births * 100).round(2))
policy_rate = np.where(births.isna() | pol.isna(), np.nan, policy_rate)
err = np.where(surv == 0, 0, ((surv - births).abs() / surv * 100).round(2))
err = np.where(surv.isna() | births.isna(), np.nan, err)
plan_pct = np.where(plan == 0, 100, (births / plan * 100).round(2))
ltc_rate = (df["落实长效节育措施人数"] / df["已婚育龄妇女数"] * 100).round(2)
funds_pc = (df["村级计生经费"] / df["户籍人口"]).round(2)

five = sum(b(c) for c in ["有领导小组", "有办公场地", "有专职人员", "有工作制度", "有信息交流平台"])
m = df["计生例会次数"]
items = {
    "C_FIVE": 10 - 2 * (5 - five),
    "C_MEETINGS": np.select([m >= 12, m >= 6, m >= 1], [4, 2, 1], 0).astype(float) + m * 0,
    "C_SELFGOV": 2 * b("村民自治章程含计生内容"),
    "C_FUNDS": np.where(funds_pc >= 2, 4.0, 0.0) + funds_pc * 0,
    "C_WIS": np.where(df["信息及时入库率"] >= 80, 3.0, 0.0) + df["信息及时入库率"] * 0,
    "C_SATISF": deduct_below(df["群众满意率"], 90, 1, 2, 5),
    "B_POLICY": np.where(policy_rate < 82, 0, deduct_below(policy_rate, 95, 0.1, 0.3, 15)),
    "B_MULTI": np.clip(10 - 5 * df["政策外多孩出生人数"], 0, 10),
    "B_ACCURACY": np.where(b("统计弄虚作假查实") == 1, 0,
                           np.where(err > 5, 0, np.clip(10 - 2 * err, 0, 10))) + err * 0,
    "B_PLAN": np.where((plan_pct >= 85) & (plan_pct <= 100), 4.0, 0.0) + plan_pct * 0,
    "B_LTC": deduct_below(ltc_rate, 90, 1, 1, 8, started=True),
    "B_CHECKS": deduct_below(df["查环查孕率"], 95, 1, 1, 8),
    "B_MIG_INFO": (5 * df["流动人口信息采集率"] / 100).clip(0, 5),
    "B_MIG_CONTRACT": (3 * (df["流动人口合同签订率"] - 60) / 30).clip(0, 3),
    "B_LEVY": deduct_below(df["社会抚养费征收到位率"], 65, 1, 1, 5),
    "B_REWARD": np.where(df["奖励扶助兑现率"] >= 100, 4.0, 0.0) + df["奖励扶助兑现率"] * 0,
}
out = pd.DataFrame({"id": df["单位代码"], "name": df["单位名称"]})
for k, v in items.items():
    out[k] = np.round(np.asarray(v, dtype=float), 2)
out["total"] = out[list(items)].sum(axis=1, skipna=False).round(2)
vetoes = pd.DataFrame({
    "V_ERROR": err > 7,
    "V_CONCEAL": b("有意瞒报违法出生") == 1,
    "V_ACCIDENT": b("发生恶性责任事故") == 1,
    "V_TOTAL": out["total"] < 80,
    "V_INSPECTION": b("区检查不合格") == 1,
})
out["vetoes"] = vetoes.dot(vetoes.columns + " ").str.strip()
grade = np.select([out["total"] >= 95, out["total"] >= 90, out["total"] >= 80], ["优秀", "良好", "达标"], "不达标")
out["grade"] = np.where(vetoes.any(axis=1), "不达标", np.where(out["total"].isna(), "", grade))
out["vetoed"] = vetoes.any(axis=1)
out = out.sort_values(["vetoed", "total", "id"], ascending=[True, False, True], na_position="last")
out["rank"] = np.arange(1, len(out) + 1)
out.to_csv(dst, index=False)
print(f"pandas {len(out)} villages {time.time() - t0:.2f} s")
