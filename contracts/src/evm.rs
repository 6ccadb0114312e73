//! An in-process EVM (revm, hardfork [`crate::anvil::HARDFORK`]) running the committed
//! bytecode, for fast tests: no node, no RPC. Calls commit their state; gas is reported as
//! the transaction's total (intrinsic + execution, after refunds).

use alloy::primitives::{Address, Bytes, TxKind, U256};
use alloy::sol_types::SolCall;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::{ExecuteCommitEvm, MainBuilder, MainContext};

/// A failed call or deployment.
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// The call reverted; the revert data (a custom error's selector and arguments).
    #[error("reverted: 0x{}", hex::encode(.0))]
    Revert(Bytes),
    /// The call halted (out of gas, invalid opcode, …).
    #[error("halted: {0}")]
    Halt(String),
    /// revm rejected the transaction itself.
    #[error("transaction rejected: {0}")]
    Rejected(String),
    /// The return data did not decode as the call's return type.
    #[error("return data: {0}")]
    Decode(#[from] alloy::sol_types::Error),
}

/// The outcome of a successful call.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Return data.
    pub output: Bytes,
    /// Gas used by the transaction (21000 intrinsic, calldata and execution, net of refunds).
    pub gas_used: u64,
    /// Logs emitted.
    pub logs: Vec<alloy::primitives::Log>,
}

type Db = CacheDB<EmptyDB>;
type Inner = revm::handler::MainnetEvm<revm::handler::MainnetContext<Db>>;

/// The in-process EVM.
pub struct InProcessEvm {
    evm: Inner,
    timestamp: u64,
}

impl std::fmt::Debug for InProcessEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessEvm").field("timestamp", &self.timestamp).finish_non_exhaustive()
    }
}

impl Default for InProcessEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessEvm {
    /// An empty chain at the project's hardfork, block time 1.7e9 s, no fee, nonce checks off.
    pub fn new() -> Self {
        let timestamp = 1_700_000_000;
        let evm = Context::mainnet()
            .with_db(CacheDB::new(EmptyDB::default()))
            .modify_cfg_chained(|c| {
                c.spec = SpecId::PRAGUE;
                c.disable_nonce_check = true;
                c.limit_contract_code_size = Some(usize::MAX);
            })
            .modify_block_chained(|b| {
                b.timestamp = U256::from(timestamp);
                b.number = U256::from(1);
                b.gas_limit = 1_000_000_000;
                b.basefee = 0;
            })
            .build_mainnet();
        Self { evm, timestamp }
    }

    /// Sets the block timestamp.
    pub fn set_timestamp(&mut self, t: u64) {
        self.timestamp = t;
        self.evm.ctx.block.timestamp = U256::from(t);
    }

    /// The block timestamp.
    pub const fn timestamp(&self) -> u64 {
        self.timestamp
    }

    fn run(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Bytes,
    ) -> Result<(ExecutionResult, u64), EvmError> {
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(data)
            .gas_limit(500_000_000)
            .gas_price(0)
            .build_fill();
        let r = self.evm.transact_commit(tx).map_err(|e| EvmError::Rejected(format!("{e:?}")))?;
        let gas = r.tx_gas_used();
        Ok((r, gas))
    }

    /// Deploys `init_code` (creation bytecode followed by ABI-encoded constructor arguments).
    pub fn deploy(&mut self, from: Address, init_code: Bytes) -> Result<(Address, u64), EvmError> {
        match self.run(from, TxKind::Create, init_code)? {
            (ExecutionResult::Success { output: Output::Create(_, Some(addr)), .. }, gas) => {
                Ok((addr, gas))
            }
            (ExecutionResult::Revert { output, .. }, _) => Err(EvmError::Revert(output)),
            (other, _) => Err(EvmError::Halt(format!("{other:?}"))),
        }
    }

    /// Sends a transaction calling `to` with raw `data`.
    pub fn transact(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
    ) -> Result<Outcome, EvmError> {
        match self.run(from, TxKind::Call(to), data)? {
            (ExecutionResult::Success { output, logs, .. }, gas_used) => {
                Ok(Outcome { output: output.into_data(), gas_used, logs })
            }
            (ExecutionResult::Revert { output, .. }, _) => Err(EvmError::Revert(output)),
            (ExecutionResult::Halt { reason, .. }, _) => Err(EvmError::Halt(format!("{reason:?}"))),
        }
    }

    /// Sends a typed call and decodes its return value.
    pub fn call<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<(C::Return, Outcome), EvmError> {
        let out = self.transact(from, to, call.abi_encode().into())?;
        let ret = C::abi_decode_returns(&out.output)?;
        Ok((ret, out))
    }
}
